/**
 * IBANs: a country code, two check digits and the country's BBAN, at exactly the country's length,
 * with the ISO 13616 mod-97 checksum. Written electronically (`DE89370400440532013000`) or in
 * groups of four separated by single spaces (`DE89 3704 0044 0532 0130 00`), upper case only.
 */
import { codeAt, isAlnum, isDigit, isUpper, isWordChar } from './chars.ts';
import type { Finding } from './types.ts';

/**
 * IBAN lengths by country: the SWIFT IBAN registry, plus the countries (mostly of the CFA franc
 * zones, and Algeria, Angola, Iran…) whose banks print IBANs outside it.
 */
const IBAN_LENGTHS = new Map(
  [
    'AD24 AE23 AL28 AO25 AT20 AX18 AZ28 BA20 BE16 BF28 BG22 BH22 BI27 BJ28 BL27 BR29 BY28 CF27',
    'CG27 CH21 CI28 CM27 CR22 CV25 CY28 CZ24 DE22 DJ27 DK18 DO28 DZ26 EE20 EG29 ES24 FI18 FK18',
    'FO18 FR27 GA27 GB22 GE22 GF27 GI23 GL18 GP27 GQ27 GR27 GT28 GW25 HN28 HR21 HU28 IE22 IL23',
    'IQ23 IR26 IS26 IT27 JO30 KM27 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MA28 MC27 MD24',
    'ME22 MF27 MG27 MK19 ML28 MN20 MQ27 MR27 MT31 MU30 MZ25 NC27 NE28 NI28 NL18 NO15 OM23 PF27',
    'PK24 PL28 PM27 PS29 PT25 QA29 RE27 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SN28',
    'SO23 ST25 SV28 TD27 TF27 TG28 TL23 TN24 TR26 UA29 VA22 VG24 WF27 XK20 YE30 YT27',
  ]
    .join(' ')
    .split(' ')
    .map((entry) => [entry.slice(0, 2), Number(entry.slice(2))] as const),
);

/**
 * A country code and check digits at a word start, followed by an IBAN character; the JavaScript
 * side reads the rest. Upper case in the pattern keeps the engine's first-character filter tight.
 */
const IBAN_START = /\b[A-Z]{2}\d\d(?= ?[0-9A-Z])/g;

export function scanIbans(text: string, out: Finding[]): void {
  IBAN_START.lastIndex = 0;
  while (IBAN_START.test(text)) {
    const start = IBAN_START.lastIndex - 4;
    const end = ibanEnd(text, start);
    if (end !== -1) {
      out.push({ detector: 'iban', start, end });
      IBAN_START.lastIndex = end;
    }
  }
}

/** Where the IBAN starting at `start` ends, or -1 if there is none there. */
export function ibanEnd(text: string, start: number): number {
  const length = IBAN_LENGTHS.get(text.slice(start, start + 2));
  if (length === undefined) return -1;
  // Read exactly `length` characters, allowing one space before each group of four.
  let i = start;
  let read = 0;
  while (read < length) {
    let c = codeAt(text, i);
    if (c === 32 && read % 4 === 0 && read > 0) c = codeAt(text, ++i);
    if (!(isDigit(c) || isUpper(c))) return -1;
    i++;
    read++;
  }
  if (isWordChar(codeAt(text, i))) return -1;
  return mod97(text, start, i) === 1 ? i : -1;
}

/** ISO 7064 mod 97-10 over the IBAN in `text[start, end)`, rearranged and letters as numbers. */
function mod97(text: string, start: number, end: number): number {
  let remainder = 0;
  // The BBAN first, then the country code and check digits; spaces skipped.
  for (let k = start + 4; k < end + 4; k++) {
    const c = text.charCodeAt(k < end ? k : k - end + start);
    // Letters count as two digits: A = 10 … Z = 35.
    if (isDigit(c)) remainder = (remainder * 10 + (c - 48)) % 97;
    else if (isAlnum(c)) remainder = (remainder * 100 + (c - 55)) % 97;
  }
  return remainder;
}
