/**
 * The detectors that read runs of digits: payment cards, US SSNs, IPv4 addresses and phone
 * numbers share one pass. A regular expression finds where a finding can start (CANDIDATE); the
 * run of digits from there (with single spaces, dashes, dots and parentheses between them) is
 * split into groups and the groups are classified here, in that order of precedence. What is deliberately not matched:
 *
 * - plain digit strings other than card numbers (`4155552671`, `20261103142`): too many ids,
 *   timestamps and amounts look like that; an unformatted phone number needs its `+`;
 * - dates and times (`2026-11-03`, `03.11.2026`, `15/11/2026`, `09:14:22`): `/` and `:` never
 *   join groups, and dashed or dotted dates have too few digits for a phone number;
 * - versions (`4.12.3`, `v1.2.3.4`, `"version": "1.2.3.4"`): a dotted quad right after the word
 *   `version`/`ver` or a `v` is a version; anywhere else `1.2.3.4` is an IPv4 address;
 * - local phone numbers without an area code (`555-2671`) and any run glued to letters or
 *   followed by more `-`/`.`-joined digits (`123-45-6789-01`, `1.2.3.4.5`).
 */
import { isCardNumber } from './card.ts';
import { codeAt, isDigit, isWordChar } from './chars.ts';
import type { Finding } from './types.ts';

export interface NumberDetectors {
  card: boolean;
  us_ssn: boolean;
  ip: boolean;
  phone: boolean;
}

/**
 * Where a finding can start: `+` or `(` before a digit; at a word start, a dotted quad, three
 * groups shaped like an SSN or a North American number, 4 digits then 3 (a grouped card), `1` and
 * an area code, a trunk `0` group and another, or 13 digits. Every shape the classifier below
 * accepts begins like one of these, so the engine passes over counts, ids, years, ISO dates and
 * versions without returning to JavaScript; around a candidate, the whole run is read and
 * classified. (`\b` and a check in JavaScript cost less than a lookbehind for "not after a dot".)
 */
const CANDIDATE =
  /\b(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d|\d{3}[ .-]\d\d\d?[ .-]\d|\d{4}[ -]\d{3}|1[ .-]\d{3}[ .-]\d|0\d*[ .-]\d|\d{13})|[+(]\d/g;

const SPACE = 32;
const DASH = 45;
const DOT = 46;
/** The "separator" of a group written right after a parenthesized one: `(0)20`, `(415)555`. */
const ADJACENT = 1;

// Scratch space for the groups of the run being classified (one run at a time, synchronously).
const MAX_GROUPS = 64;
const groupStart = new Int32Array(MAX_GROUPS);
const groupEnd = new Int32Array(MAX_GROUPS);
const outerStart = new Int32Array(MAX_GROUPS);
const outerEnd = new Int32Array(MAX_GROUPS);
const separator = new Int32Array(MAX_GROUPS);
const parenthesized = new Uint8Array(MAX_GROUPS);

let text = '';
let groups = 0;
let plus = false;

export function scanNumbers(input: string, enabled: NumberDetectors, out: Finding[]): void {
  CANDIDATE.lastIndex = 0;
  text = input;
  for (let m = CANDIDATE.exec(input); m !== null; m = CANDIDATE.exec(input)) {
    let from = m.index;
    const before = codeAt(input, from - 1);
    // Runs start after neither a word character (possible before `+`/`(`) nor a dot (`.5`, `v.1`).
    if (isWordChar(before) || before === DOT) {
      CANDIDATE.lastIndex = from + 1;
      continue;
    }
    // A group joined by `-` to digits before it, or written right after `(0)`, belongs with them.
    if (
      isDigit(input.charCodeAt(from)) &&
      ((before === DASH && isDigit(codeAt(input, from - 2))) || (before === 41 && closesGroup(from - 1)))
    ) {
      CANDIDATE.lastIndex = from + 1;
      continue;
    }
    let runEnd = from + 1;
    while (runEnd < input.length && isRunChar(input.charCodeAt(runEnd))) runEnd++;
    while (from < runEnd) {
      const parsedTo = parseGroups(from, runEnd);
      classifyGroups(enabled, out);
      if (parsedTo <= from) break;
      from = parsedTo;
    }
    CANDIDATE.lastIndex = runEnd;
  }
  text = '';
}

/** Whether the `)` at `at` closes a parenthesized group of digits. */
function closesGroup(at: number): boolean {
  let i = at - 1;
  while (isDigit(codeAt(text, i))) i--;
  return i < at - 1 && codeAt(text, i) === 40;
}

const isRunChar = (c: number): boolean =>
  isDigit(c) || c === SPACE || c === DASH || c === DOT || c === 40 || c === 41;

/** Splits `text[from, to)` into groups (at most MAX_GROUPS); returns where parsing stopped. */
function parseGroups(from: number, to: number): number {
  let i = from;
  groups = 0;
  plus = codeAt(text, i) === 43;
  if (plus) i++;
  let sep = 0;
  while (i < to && groups < MAX_GROUPS) {
    const open = i;
    const paren = codeAt(text, i) === 40;
    if (paren) i++;
    const digitsStart = i;
    while (i < to && isDigit(text.charCodeAt(i))) i++;
    if (i === digitsStart) return open + 1;
    const digitsEnd = i;
    if (paren) {
      if (codeAt(text, i) !== 41) return open + 1;
      i++;
    }
    groupStart[groups] = digitsStart;
    groupEnd[groups] = digitsEnd;
    outerStart[groups] = open;
    outerEnd[groups] = i;
    separator[groups] = sep;
    parenthesized[groups] = paren ? 1 : 0;
    groups++;
    const c = codeAt(text, i);
    const next = codeAt(text, i + 1);
    if ((c === SPACE || c === DASH || c === DOT) && (isDigit(next) || next === 40)) {
      sep = c;
      i++;
    } else if (paren && (isDigit(c) || c === 40)) {
      sep = ADJACENT;
    } else {
      return i + 1;
    }
  }
  return i;
}

function classifyGroups(enabled: NumberDetectors, out: Finding[]): void {
  let k = 0;
  while (k < groups) {
    // A group joined to the one before by `-`, `.` or a parenthesis belongs with it.
    if (k > 0 && separator[k] !== SPACE) {
      k++;
      continue;
    }
    const used = classifyFrom(k, enabled, out);
    k += used > 0 ? used : 1;
  }
}

const digitsOf = (g: number): number => groupEnd[g]! - groupStart[g]!;

/** Whether the groups before `next` end cleanly: no word character or tightly joined group after. */
const endsClean = (next: number): boolean =>
  next < groups ? separator[next] === SPACE : !isWordChar(codeAt(text, outerEnd[next - 1]!));

function emit(out: Finding[], detector: Finding['detector'], first: number, last: number): number {
  const start = first === 0 && plus ? outerStart[0]! - 1 : outerStart[first]!;
  out.push({ detector, start, end: outerEnd[last]! });
  return last - first + 1;
}

function classifyFrom(k: number, enabled: NumberDetectors, out: Finding[]): number {
  const withPlus = k === 0 && plus;
  if (!withPlus) {
    if (enabled.card) {
      const last = cardEnd(k);
      if (last !== -1) return emit(out, 'card', k, last);
    }
    if (enabled.us_ssn && isSsn(k)) return emit(out, 'us_ssn', k, k + 2);
    if (enabled.ip && isIpv4(k)) return emit(out, 'ip', k, k + 3);
  }
  if (enabled.phone) {
    const last = phoneEnd(k, withPlus);
    if (last !== -1) return emit(out, 'phone', k, last);
  }
  return 0;
}

/** The last group of a card number starting at group `k`, or -1. */
function cardEnd(k: number): number {
  if (parenthesized[k]) return -1;
  const first = digitsOf(k);
  if (first >= 13) {
    return first <= 19 && endsClean(k + 1) && isCardNumber(text, groupStart[k]!, groupEnd[k]!, first)
      ? k
      : -1;
  }
  // Grouped: 4 digits, then groups of 3–6 joined by one separator (4-4-4-4, 4-6-5, 4-4-4-4-3).
  if (first !== 4 || k + 1 >= groups) return -1;
  const sep = separator[k + 1];
  if (sep !== SPACE && sep !== DASH) return -1;
  let digits = first;
  let found = -1;
  for (let g = k + 1; g < groups && separator[g] === sep && !parenthesized[g]; g++) {
    const size = digitsOf(g);
    if (size < 3 || size > 6) break;
    digits += size;
    if (digits > 19) break;
    if (digits >= 13 && endsClean(g + 1) && isCardNumber(text, groupStart[k]!, groupEnd[g]!, digits))
      found = g;
  }
  return found;
}

/** AAA-GG-SSSS (dashes or spaces), without the ranges never issued. */
function isSsn(k: number): boolean {
  if (k + 2 >= groups || parenthesized[k] || parenthesized[k + 1] || parenthesized[k + 2]) return false;
  if (digitsOf(k) !== 3 || digitsOf(k + 1) !== 2 || digitsOf(k + 2) !== 4) return false;
  const sep = separator[k + 1];
  if ((sep !== DASH && sep !== SPACE) || separator[k + 2] !== sep || !endsClean(k + 3)) return false;
  const area = numberAt(k);
  return area !== 0 && area !== 666 && area < 900 && numberAt(k + 1) !== 0 && numberAt(k + 2) !== 0;
}

function isIpv4(k: number): boolean {
  if (k + 3 >= groups) return false;
  for (let g = k; g <= k + 3; g++) {
    if (parenthesized[g] || (g > k && separator[g] !== DOT)) return false;
    const size = digitsOf(g);
    if (size > 3 || (size > 1 && text.charCodeAt(groupStart[g]!) === 48) || numberAt(g) > 255) return false;
  }
  return endsClean(k + 4) && !afterVersionWord(outerStart[k]!);
}

/** Whether `start` follows `version`, `ver` or `v` (with `:`, `=`, quotes or spaces between). */
function afterVersionWord(start: number): boolean {
  let i = start - 1;
  for (
    let c = codeAt(text, i);
    c === SPACE || c === 34 || c === 39 || c === 58 || c === 61;
    c = codeAt(text, i)
  )
    i--;
  const wordEnd = i + 1;
  while (i >= 0 && isWordChar(text.charCodeAt(i))) i--;
  if (wordEnd - i - 1 > 7) return false;
  const word = text.slice(i + 1, wordEnd).toLowerCase();
  return word === 'version' || word === 'ver' || word === 'v';
}

/**
 * The last group of a phone number starting at group `k`, or -1. Accepted: international
 * numbers with `+` (8–15 digits, E.164); a parenthesized area code and at least one more group
 * (9–12 digits); North American 3-3-4 with one separator, optionally after `1`; national numbers
 * with a trunk `0` in two or more groups joined by one separator (9–12 digits, or 11–15 after
 * `00`).
 */
function phoneEnd(k: number, withPlus: boolean): number {
  if (withPlus) return groupsWithin(k, 8, 15, false);
  if (parenthesized[k]) {
    const size = digitsOf(k);
    return size >= 2 && size <= 5 && k + 1 < groups ? groupsWithin(k, 9, 12, false) : -1;
  }
  const nanp = nanpEnd(k);
  if (nanp !== -1) return nanp;
  if (text.charCodeAt(groupStart[k]!) !== 48 || k + 1 >= groups) return -1;
  const international = text.charCodeAt(groupStart[k]! + 1) === 48;
  return groupsWithin(k, international ? 11 : 9, international ? 15 : 12, true);
}

/**
 * Groups from `k` on, as many as keep the digit count within `max` (with the same separator
 * throughout when `sameSeparator`); the last group if the count reaches `min` and ends cleanly.
 */
function groupsWithin(k: number, min: number, max: number, sameSeparator: boolean): number {
  let digits = 0;
  let last = -1;
  const sep = k + 1 < groups ? separator[k + 1] : 0;
  for (let g = k; g < groups; g++) {
    if (g > k && sameSeparator && separator[g] !== sep) break;
    if (digits + digitsOf(g) > max) break;
    digits += digitsOf(g);
    last = g;
  }
  if (last === -1 || digits < min || !endsClean(last + 1)) return -1;
  return sameSeparator && last === k ? -1 : last;
}

function nanpEnd(k: number): number {
  let area = k;
  if (digitsOf(k) === 1 && text.charCodeAt(groupStart[k]!) === 49 && k + 3 < groups) area = k + 1;
  if (area + 2 >= groups || (area > k && separator[area] === ADJACENT)) return -1;
  if (digitsOf(area) !== 3 || digitsOf(area + 1) !== 3 || digitsOf(area + 2) !== 4) return -1;
  const sep = separator[area + 1];
  if ((sep !== SPACE && sep !== DASH && sep !== DOT) || separator[area + 2] !== sep) return -1;
  // Area codes and exchanges start with 2–9.
  if (text.charCodeAt(groupStart[area]!) < 50 || text.charCodeAt(groupStart[area + 1]!) < 50) return -1;
  return endsClean(area + 3) ? area + 2 : -1;
}

function numberAt(g: number): number {
  let value = 0;
  for (let i = groupStart[g]!; i < groupEnd[g]!; i++) value = value * 10 + (text.charCodeAt(i) - 48);
  return value;
}
