/**
 * Email addresses as people write them: a local part of letters, digits and `._%+-` (1–64
 * characters, no leading, trailing or doubled dot), `@`, and a domain of two or more labels
 * whose last is alphabetic (or an IDNA `xn--` label). Each `@` is found with `indexOf` and the
 * address read outwards from it, so text without `@` costs next to nothing. Quoted local parts,
 * comments and Unicode addresses are not matched; neither is the `user:password@host` of a URL
 * (the secret detector's).
 */
import { codeAt, isAlnum, isUpper, isLower } from './chars.ts';
import type { Finding } from './types.ts';

const AT = 64;
const DOT = 46;
const DASH = 45;

const isLocalChar = (c: number): boolean =>
  isAlnum(c) || c === DOT || c === 95 || c === 37 || c === 43 || c === DASH;
const isDomainChar = (c: number): boolean => isAlnum(c) || c === DOT || c === DASH;

export function scanEmails(text: string, out: Finding[]): void {
  let at = text.indexOf('@');
  let from = 0;
  while (at !== -1) {
    const end = domainEnd(text, at + 1);
    const start = end === -1 ? -1 : localStart(text, at, from);
    if (start !== -1) {
      out.push({ detector: 'email', start, end });
      from = end;
    }
    at = text.indexOf('@', Math.max(at + 1, from));
  }
}

/** Where the local part before `at` starts, or -1; `from` is the end of the previous address. */
function localStart(text: string, at: number, from: number): number {
  let start = at;
  while (start > from && at - start <= 64 && isLocalChar(text.charCodeAt(start - 1))) start--;
  if (at - start > 64) return -1;
  while (start < at && text.charCodeAt(start) === DOT) start++;
  if (start === at || text.charCodeAt(at - 1) === DOT) return -1;
  for (let i = start + 1; i < at; i++)
    if (text.charCodeAt(i) === DOT && text.charCodeAt(i - 1) === DOT) return -1;
  // `scheme://user:password@host` is URL credentials, not an address.
  if (codeAt(text, start - 1) === 58 && inUrlAuthority(text, start - 1)) return -1;
  return start;
}

function inUrlAuthority(text: string, colon: number): boolean {
  for (let i = colon - 1; i >= 2 && colon - i < 256; i--) {
    const c = text.charCodeAt(i);
    if (c === 47 && text.charCodeAt(i - 1) === 47 && text.charCodeAt(i - 2) === 58) return true;
    if (c <= 32 || c === 34 || c === AT) return false;
  }
  return false;
}

/** Where the domain starting at `from` ends, or -1 if there is no valid domain there. */
function domainEnd(text: string, from: number): number {
  let end = from;
  while (end < text.length && end - from <= 253 && isDomainChar(text.charCodeAt(end))) end++;
  // A sentence may end right after the address.
  while (end > from && (text.charCodeAt(end - 1) === DOT || text.charCodeAt(end - 1) === DASH)) end--;
  if (end - from > 253 || end === from) return -1;
  let labels = 0;
  let labelStart = from;
  for (let i = from; i <= end; i++) {
    if (i < end && text.charCodeAt(i) !== DOT) continue;
    const size = i - labelStart;
    if (size === 0 || size > 63 || text.charCodeAt(labelStart) === DASH || text.charCodeAt(i - 1) === DASH)
      return -1;
    labels++;
    if (i === end && (labels < 2 || !isTopLevel(text, labelStart, end))) return -1;
    labelStart = i + 1;
  }
  return end;
}

function isTopLevel(text: string, start: number, end: number): boolean {
  if (end - start < 2) return false;
  if (text.startsWith('xn--', start)) return end - start > 4;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!isLower(c) && !isUpper(c)) return false;
  }
  return true;
}
