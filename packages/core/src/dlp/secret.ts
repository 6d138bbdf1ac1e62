/**
 * Secrets: the token shapes the audit redactor knows (redact.ts: bearer credentials, `key=value`
 * pairs under credential names, URL user:password, API keys of the common providers, JWTs, PEM
 * private keys), found where the redactor would redact them; plus high-entropy values next to any
 * key the redactor treats as sensitive (`"db_password": "…"`, `STRIPE_SECRET=…`), and, in JSON
 * values, strings under such keys that look like credentials (scanner.ts).
 *
 * Speed: the redactor's one alternation costs about 5 ns a character, most of the DLP budget on
 * its own. Every one of its shapes begins with one of a few words at a word start, `://` or
 * `-----`, so those are found first (a cheaper pass), and the redactor's pattern runs only there,
 * anchored. The finding is the span the redactor replaces: the scheme or `name=` prefix that it
 * keeps stays outside. One difference, because a DLP finding can block a call where the audit log
 * merely hides a word: after a bare scheme word (`Bearer`, `Basic`, `Token`) the value must look
 * like a credential, so `the token expired.` is prose here while the audit log still redacts it.
 */
import { isSensitiveKey, TOKEN_PATTERN } from '../redact.ts';
import { codeAt, isDigit, isLower, isUpper, isWordChar } from './chars.ts';
import type { Finding } from './types.ts';

/** The redactor's pattern, anchored where it is tried. */
const TOKEN_AT = new RegExp(TOKEN_PATTERN.source, 'iy');

/**
 * The words that can begin a match of TOKEN_PATTERN at a word start (`proxy-authorization`,
 * `set-cookie` and `x-api-key` contain one after their dash). Kept in step with redact.ts by the
 * tests, which run every shape the redactor knows through both.
 */
const TOKEN_WORD =
  /\b(?:bearer|basic|token|authori[sz]ation|cookie|api|access_token|refresh_token|id_token|client_secret|password|secret|tg_|eyj|sk-|gh[pousr]_|github_pat_|xox|akia|asia|aiza|[sr]k_|whsec_)/gi;

const WHITESPACE = /\s/;

/** The shortest value after `key:` or `key=` judged by its looks (read in colons.ts). */
export const MIN_KEYED_VALUE = 16;

// Candidate starts, reused across calls (scans are synchronous).
const starts: number[] = [];
const ascending = (a: number, b: number) => a - b;

/** The redactor's token shapes (the key-value credentials are read in the colon pass). */
export function scanTokens(text: string, out: Finding[]): void {
  if (starts.length > 0) starts.length = 0;
  TOKEN_WORD.lastIndex = 0;
  for (let m = TOKEN_WORD.exec(text); m !== null; m = TOKEN_WORD.exec(text)) starts.push(m.index);
  // `//` rather than `://`: a colon is common in JSON, a slash is not.
  for (let i = text.indexOf('//'); i !== -1; i = text.indexOf('//', i + 2))
    if (text.charCodeAt(i - 1) === 58) starts.push(i - 1);
  collect(text, '-----');
  if (starts.length > 1) starts.sort(ascending);
  let covered = 0;
  for (const start of starts) {
    if (start < covered) continue;
    TOKEN_AT.lastIndex = start;
    const match = TOKEN_AT.exec(text);
    if (match === null) continue;
    const end = start + match[0].length;
    const value = valueStart(text, start, match);
    // `Token expired.`, `Basic features`: after a bare scheme word, only a credential-like value.
    if (match[1] !== undefined && !looksLikeCredential(text, value, end, 8)) continue;
    covered = end;
    out.push({ detector: 'secret', start: value, end });
  }
}

function collect(text: string, needle: string): void {
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) starts.push(i);
}

/** Where the redactor's replacement starts: after the scheme, `name=` prefix or `://` it keeps. */
function valueStart(text: string, start: number, match: RegExpExecArray): number {
  const [, scheme, prefix, url] = match;
  if (scheme !== undefined) {
    let i = start + scheme.length;
    while (WHITESPACE.test(text.charAt(i))) i++;
    return i;
  }
  if (prefix !== undefined) return start + prefix.length;
  if (url !== undefined) return start + url.length;
  return start;
}

/**
 * Whether the value in `text[start, end)`, written after the `:` or `=` at `at`, is a credential:
 * the key before it is one the redactor treats as sensitive and the value looks like one.
 */
export function isKeyedCredential(text: string, at: number, start: number, end: number): boolean {
  const key = keyBefore(text, at);
  return key !== '' && isSensitiveKey(key) && looksLikeCredential(text, start, end, MIN_KEYED_VALUE);
}

/** The key name written before the `:` or `=` at `at` (quotes and spaces skipped), or ''. */
function keyBefore(text: string, at: number): string {
  let i = at - 1;
  while (codeAt(text, i) === 32 || codeAt(text, i) === 9) i--;
  const quote = codeAt(text, i);
  if (quote === 34 || quote === 39) i--;
  const end = i + 1;
  while (i >= 0 && end - i <= 64 && isKeyChar(text.charCodeAt(i))) i--;
  return text.slice(i + 1, end);
}

const isKeyChar = (c: number): boolean => isWordChar(c) || c === 45 || c === 46;

// Character counts for the entropy estimate, cleared after each use.
const counts = new Uint16Array(128);

/**
 * Whether `text[start, end)` looks like a credential rather than a word, a name or a date: at
 * least `minLength` characters without whitespace, two of lower case, upper case and digits, and
 * an entropy of at least 3 bits per character (less for short values, whose ceiling is lower).
 */
export function looksLikeCredential(text: string, start: number, end: number, minLength: number): boolean {
  const length = end - start;
  if (length < minLength || length > 4096) return false;
  let lower = 0;
  let upper = 0;
  let digit = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32) return clearCounts(text, start, i);
    counts[c & 127]!++;
    if (isLower(c)) lower = 1;
    else if (isUpper(c)) upper = 1;
    else if (isDigit(c)) digit = 1;
  }
  let entropy = 0;
  for (let i = start; i < end; i++) {
    const slot = text.charCodeAt(i) & 127;
    const n = counts[slot]!;
    if (n === 0) continue;
    const p = n / length;
    entropy -= p * Math.log2(p);
    counts[slot] = 0;
  }
  if (lower + upper + digit < 2 || entropy < Math.min(3, Math.log2(length) * 0.8)) return false;
  // ISO dates and timestamps are long, mixed and varied, and often under `*_token_expires_at`.
  return !(
    isDigit(text.charCodeAt(start)) &&
    codeAt(text, start + 4) === 45 &&
    codeAt(text, start + 7) === 45
  );
}

function clearCounts(text: string, start: number, end: number): false {
  for (let i = start; i < end; i++) counts[text.charCodeAt(i) & 127] = 0;
  return false;
}
