/**
 * Payment card numbers: 13–19 digits that pass the Luhn check and start with an issuer prefix
 * (IIN) of a known scheme, at a length that scheme issues. The prefix test is what keeps order
 * numbers, tracking numbers and millisecond timestamps out: a random digit string passes Luhn one
 * time in ten, but few of them also start like a card of the right length.
 */
import { isDigit } from './chars.ts';

/** [lowest prefix, highest prefix, digits in the prefix, shortest length, longest length]. */
type Iin = readonly [number, number, number, number, number];

// Prefix ranges of the schemes in wide use (ISO/IEC 7812 issuer identification numbers).
const IINS: readonly Iin[] = [
  [4, 4, 1, 13, 19], // Visa (13, 16, 19) and Visa Electron
  [51, 55, 2, 16, 16], // Mastercard
  [2221, 2720, 4, 16, 16], // Mastercard 2-series
  [34, 34, 2, 15, 15], // American Express
  [37, 37, 2, 15, 15],
  [6011, 6011, 4, 16, 19], // Discover
  [644, 649, 3, 16, 19],
  [65, 65, 2, 16, 19], // Discover, RuPay, Troy
  [3528, 3589, 4, 16, 19], // JCB
  [300, 305, 3, 14, 19], // Diners Club
  [3095, 3095, 4, 14, 19],
  [36, 36, 2, 14, 19],
  [38, 39, 2, 16, 19],
  [62, 62, 2, 16, 19], // UnionPay (and Discover's 622126–622925)
  [81, 82, 2, 16, 16], // UnionPay, RuPay
  [60, 60, 2, 16, 16], // RuPay
  [2200, 2204, 4, 16, 19], // Mir
  [50, 50, 2, 13, 19], // Maestro
  [56, 69, 2, 13, 19],
  [9792, 9792, 4, 16, 16], // Troy
];

/**
 * Whether the digits of `text[start, end)` (separators skipped) form a card number. `digits` is
 * their count, known to the caller.
 */
export function isCardNumber(text: string, start: number, end: number, digits: number): boolean {
  if (digits < 13 || digits > 19) return false;
  return hasKnownIin(text, start, end, digits) && luhnValid(text, start, end);
}

function hasKnownIin(text: string, start: number, end: number, digits: number): boolean {
  // The first four digits decide every range above.
  let first4 = 0;
  let read = 0;
  for (let i = start; i < end && read < 4; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) continue;
    first4 = first4 * 10 + (c - 48);
    read++;
  }
  for (const [low, high, size, minLength, maxLength] of IINS) {
    if (digits < minLength || digits > maxLength) continue;
    const prefix = Math.floor(first4 / 10 ** (4 - size));
    if (prefix >= low && prefix <= high) return true;
  }
  return false;
}

/** The Luhn (mod 10) check over the digits of `text[start, end)`, separators skipped. */
export function luhnValid(text: string, start: number, end: number): boolean {
  let sum = 0;
  let double = false;
  for (let i = end - 1; i >= start; i--) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) continue;
    let d = c - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}
