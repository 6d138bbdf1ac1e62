/**
 * Tenant patterns run on re2js, a pure-JavaScript port of RE2 (Go's regexp): matching is linear
 * in the length of the text for every pattern it accepts, so no pattern, however written, can
 * backtrack exponentially on a result (`(a+)+$` on `aaaa…b` is the classic that stalls a
 * backtracking engine such as V8's). The price is RE2 syntax: no lookarounds, no backreferences.
 * Chosen over re2-wasm (Google's WASM build), which spends about 70 µs copying each 4 KB string
 * into WASM memory, and over the native `re2` binding, which needs a compiler or a prebuilt
 * download at install time.
 *
 * Linear is not cheap everywhere, so the work is bounded too:
 * - whether a text matches at all is decided by re2js's DFA (about 10 ns a character whatever
 *   the pattern); most texts stop there;
 * - where it matches is found by re2js's bit-state backtracker, which costs about instructions ×
 *   characters; past POSITION_BUDGET of those its NFA takes over, which can cost microseconds a
 *   character (`(.*a){19}`: 30 ms on 4 KB). So a text longer than the pattern's budget is cut into
 *   pieces within it (at whitespace where possible) and each piece is searched on its own; a match
 *   that straddles two pieces makes the whole text the finding. (In pieces, `^` and `$` also match
 *   at the cuts.)
 * - patterns are capped in length and in program size (MAX_PROGRAM_SIZE), and may not match
 *   empty text.
 */
import { RE2JS } from 're2js';
import { AppError } from '../errors.ts';
import type { Finding } from './types.ts';

export const MAX_PATTERN_CHARS = 1_000;
/** Instructions of the compiled program; `\d{150}` is about 150, a list of 40 short words about 140. */
export const MAX_PROGRAM_SIZE = 200;
/** Instructions × characters searched for positions at once (re2js's bit-state range). */
export const POSITION_BUDGET = 256 * 1024;

export type PatternCheck = { ok: true } | { ok: false; message: string };

const LOOKAROUND = /\(\?<?[=!]/;
const BACKREFERENCE = /\\[1-9]|\\k</;

/** Whether a tenant's pattern can be used, and if not, why (written for the person who typed it). */
export function checkCustomPattern(source: string): PatternCheck {
  const compiled = compile(source);
  return 'message' in compiled ? { ok: false, message: compiled.message } : { ok: true };
}

function compile(source: string): RE2JS | { message: string } {
  if (source.trim() === '') return { message: 'Enter a pattern.' };
  if (source.length > MAX_PATTERN_CHARS) {
    return { message: `A pattern can be at most ${MAX_PATTERN_CHARS} characters long.` };
  }
  if (LOOKAROUND.test(source)) {
    return {
      message:
        'Lookarounds ((?=…), (?!…), (?<=…), (?<!…)) are not supported: patterns run on RE2, which matches in linear time.',
    };
  }
  if (BACKREFERENCE.test(source)) {
    return {
      message:
        'Backreferences (\\1, \\k<name>) are not supported: patterns run on RE2, which matches in linear time.',
    };
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (error) {
    const detail =
      error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    return { message: `Not a valid pattern (RE2 syntax): ${detail}.` };
  }
  if (re.programSize() > MAX_PROGRAM_SIZE) {
    return {
      message: `The pattern is too complex (${re.programSize()} steps, at most ${MAX_PROGRAM_SIZE}): use smaller repetition counts such as {n,m}.`,
    };
  }
  if (re.test('')) return { message: 'The pattern matches empty text, so it would match everywhere.' };
  return re;
}

export class CustomPatterns {
  readonly #patterns: { name: string; re: RE2JS; pieceChars: number }[];

  /** Throws AppError INVALID if a pattern cannot be used (checkCustomPattern tells at save time). */
  constructor(patterns: readonly { name: string; pattern: string }[]) {
    this.#patterns = patterns.map(({ name, pattern }) => {
      const compiled = compile(pattern);
      if ('message' in compiled) throw new AppError('INVALID', `DLP pattern "${name}": ${compiled.message}`);
      return { name, re: compiled, pieceChars: Math.floor(POSITION_BUDGET / compiled.programSize()) };
    });
  }

  get size(): number {
    return this.#patterns.length;
  }

  scan(text: string, out: Finding[]): void {
    for (const { name, re, pieceChars } of this.#patterns) {
      if (!re.test(text)) continue;
      if (text.length <= pieceChars) {
        matchesIn(re, name, text, 0, out);
        continue;
      }
      const before = out.length;
      for (let start = 0; start < text.length;) {
        const end = cutBefore(text, start, pieceChars);
        const piece = text.slice(start, end);
        if (re.test(piece)) matchesIn(re, name, piece, start, out);
        start = end;
      }
      if (out.length === before) out.push({ detector: 'custom', start: 0, end: text.length, pattern: name });
    }
  }
}

function matchesIn(re: RE2JS, name: string, text: string, offset: number, out: Finding[]): void {
  for (const match of re.matchAll(text)) {
    const start = offset + (match.index ?? 0);
    const end = start + match[0].length;
    // A pattern that cannot match empty text may still match it next to something (`\b`).
    if (end > start) out.push({ detector: 'custom', start, end, pattern: name });
  }
}

/** Where a piece of at most `max` characters starting at `start` ends: after whitespace if any is near. */
function cutBefore(text: string, start: number, max: number): number {
  const limit = start + max;
  if (limit >= text.length) return text.length;
  for (let i = limit; i > limit - (max >> 2); i--) {
    const c = text.charCodeAt(i - 1);
    if (c === 32 || c === 10 || c === 9 || c === 13) return i;
  }
  return limit;
}
