/**
 * The `:` and `=` of a text serve two detectors: `key: value` / `key=value` credentials
 * (secret.ts judges them) and IPv6 addresses (ipv6.ts reads them), which both hang on a colon.
 * (A value written with an auth scheme, `key: Bearer …`, is the redactor's shape, found by
 * scanTokens.)
 */
import { ipv6Around } from './ipv6.ts';
import { isHexDigit } from './chars.ts';
import { isKeyedCredential, MIN_KEYED_VALUE } from './secret.ts';
import type { Finding } from './types.ts';

const COLON = 58;

/**
 * Every `:` and `=` is found with `indexOf` (a memchr, far cheaper per character than a regular
 * expression's scan) and looked at in JavaScript: an IPv6 colon pair is `:`, at most four hex
 * digits, `:`; a keyed value is `:`/`=`, an optional space and quote, then MIN_KEYED_VALUE or more
 * token characters.
 */
export function scanColons(text: string, detect: { secret: boolean; ipv6: boolean }, out: Finding[]): void {
  if (detect.secret) {
    for (let at = text.indexOf('='); at !== -1; at = text.indexOf('=', at + 1))
      at = keyedValueAt(text, at, out);
  }
  let resume = 0;
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', Math.max(at + 1, resume))) {
    if (detect.ipv6) {
      let next = at + 1;
      while (next < text.length && next - at <= 5 && isHexDigit(text.charCodeAt(next))) next++;
      if (text.charCodeAt(next) === COLON) {
        resume = ipv6Around(text, at, next + 1, out);
        continue;
      }
    }
    if (detect.secret) resume = keyedValueAt(text, at, out);
  }
}

/**
 * Records the value after the `:` or `=` at `at` if it is a credential under a sensitive key;
 * returns where to resume (past the value, or `at`).
 */
function keyedValueAt(text: string, at: number, out: Finding[]): number {
  let start = at + 1;
  if (text.charCodeAt(start) === 32) start++;
  const quote = text.charCodeAt(start);
  if (quote === 34 || quote === 39) start++;
  // Most values are short: the last character a minimal value needs rules out most at once.
  if (!isValueChar(text.charCodeAt(start + MIN_KEYED_VALUE - 1))) return at;
  let end = start;
  while (end < text.length && isValueChar(text.charCodeAt(end))) end++;
  if (end - start < MIN_KEYED_VALUE) return at;
  const resume = end;
  // A sentence may end right after the value.
  while (text.charCodeAt(end - 1) === 46) end--;
  if (isKeyedCredential(text, at, start, end)) out.push({ detector: 'secret', start, end });
  return resume - 1;
}

/** The characters of a token-like value: `[A-Za-z0-9+/_.~=$-]`. */
function isValueChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 43 ||
    c === 47 ||
    c === 95 ||
    c === 46 ||
    c === 126 ||
    c === 61 ||
    c === 36 ||
    c === 45
  );
}
