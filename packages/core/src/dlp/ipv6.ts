/**
 * IPv6 addresses in RFC 4291 text form: eight groups of 1–4 hex digits, or fewer around one
 * `::`, optionally ending in a dotted IPv4 address. (IPv4 addresses are read with the other digit
 * runs, in numbers.ts.) Not matched: `::` alone, an address glued to a word (`std::vector`,
 * `Foo::bar`), times (`09:14:22`) and MAC addresses (`00:1a:2b:3c:4d:5e`), which have too few
 * groups and no `::`. A zone (`%eth0`) and a prefix length (`/64`) are left outside the match.
 */
import { codeAt, isDigit, isHexDigit, isWordChar } from './chars.ts';
import type { Finding } from './types.ts';

const COLON = 58;
const DOT = 46;
const MAX_CHARS = 45;

/**
 * Reads the address around the colon pair `text[pair, pairEnd)` (`:`, at most four hex digits,
 * `:`; colons.ts finds them) and records it if it is one. Returns where to look for the next
 * pair: past the address, or at the pair's second colon.
 */
export function ipv6Around(text: string, pair: number, pairEnd: number, out: Finding[]): number {
  let start = pair;
  while (start > 0 && pair - start < MAX_CHARS && isAddressChar(text.charCodeAt(start - 1))) start--;
  // `addr:2001:db8::1`: a single leading colon belongs to what comes before.
  if (codeAt(text, start) === COLON && codeAt(text, start + 1) !== COLON) start++;
  let end = pairEnd;
  while (end < text.length && end - start < MAX_CHARS && isAddressChar(text.charCodeAt(end))) end++;
  // A sentence may end right after an address.
  while (end > start && codeAt(text, end - 1) === DOT) end--;
  if (end - 1 > start && codeAt(text, end - 1) === COLON && codeAt(text, end - 2) !== COLON) end--;
  const before = codeAt(text, start - 1);
  if (!isWordChar(before) && before !== DOT && !isWordChar(codeAt(text, end)) && isIpv6(text, start, end)) {
    out.push({ detector: 'ip', start, end });
    return Math.max(end, pairEnd - 1);
  }
  return pairEnd - 1;
}

const isAddressChar = (c: number): boolean => isHexDigit(c) || c === COLON || c === DOT;

/** Whether `text[start, end)` is an IPv6 address. */
export function isIpv6(text: string, start: number, end: number): boolean {
  let groups = 0;
  let compressed = false;
  let i = start;
  if (codeAt(text, i) === COLON) {
    if (codeAt(text, i + 1) !== COLON) return false;
    compressed = true;
    i += 2;
    if (i === end) return false; // `::` alone
  }
  while (i < end) {
    const groupStart = i;
    while (i < end && isHexDigit(text.charCodeAt(i))) i++;
    const size = i - groupStart;
    if (i < end && text.charCodeAt(i) === DOT) {
      // A trailing IPv4 address stands for the last two groups.
      if (!isIpv4Tail(text, groupStart, end)) return false;
      groups += 2;
      break;
    }
    if (size === 0 || size > 4) return false;
    groups++;
    if (i === end) break;
    i++; // the colon
    if (codeAt(text, i) === COLON) {
      if (compressed) return false;
      compressed = true;
      i++;
    } else if (i === end) {
      return false;
    }
  }
  return compressed ? groups < 8 : groups === 8;
}

function isIpv4Tail(text: string, start: number, end: number): boolean {
  let parts = 0;
  let i = start;
  while (i <= end) {
    const partStart = i;
    let value = 0;
    while (i < end && isDigit(text.charCodeAt(i))) value = value * 10 + (text.charCodeAt(i++) - 48);
    const size = i - partStart;
    if (size === 0 || size > 3 || value > 255 || (size > 1 && text.charCodeAt(partStart) === 48))
      return false;
    parts++;
    if (i === end) break;
    if (text.charCodeAt(i) !== DOT) return false;
    i++;
  }
  return parts === 4;
}
