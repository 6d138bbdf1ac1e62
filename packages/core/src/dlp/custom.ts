/**
 * Tenant patterns run on re2js, a pure-JavaScript port of RE2 (Go's regexp): matching is linear
 * in the length of the text for every pattern it accepts, so no pattern, however written, can
 * backtrack exponentially on a result (`(a+)+$` on `aaaa…b` is the classic that stalls a
 * backtracking engine such as V8's). The price is RE2 syntax: no lookarounds, no backreferences.
 * Linear is not free: the work per character grows with the compiled program, so patterns are
 * capped in length and in program size, which caps the cost per kilobyte. Chosen over re2-wasm
 * (Google's WASM build), which spends about 70 µs copying each 4 KB string into WASM memory, and
 * over the native `re2` binding, which needs a compiler or a prebuilt download at install time.
 *
 * Each text is first tested with re2js's DFA (fast, no positions); only texts that match pay for
 * the positions.
 */
import { RE2JS } from 're2js';
import { AppError } from '../errors.ts';
import type { Finding } from './types.ts';

export const MAX_PATTERN_CHARS = 1_000;
/** Instructions of the compiled program; `\d{300}` is about 300. */
export const MAX_PROGRAM_SIZE = 400;

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
  readonly #patterns: { name: string; re: RE2JS }[];

  /** Throws AppError INVALID if a pattern cannot be used (checkCustomPattern tells at save time). */
  constructor(patterns: readonly { name: string; pattern: string }[]) {
    this.#patterns = patterns.map(({ name, pattern }) => {
      const compiled = compile(pattern);
      if ('message' in compiled) throw new AppError('INVALID', `DLP pattern "${name}": ${compiled.message}`);
      return { name, re: compiled };
    });
  }

  get size(): number {
    return this.#patterns.length;
  }

  scan(text: string, out: Finding[]): void {
    for (const { name, re } of this.#patterns) {
      if (!re.test(text)) continue;
      for (const match of re.matchAll(text)) {
        const start = match.index ?? 0;
        const end = start + match[0].length;
        // A pattern that matches nothing here may still match empty text next to something.
        if (end > start) out.push({ detector: 'custom', start, end, pattern: name });
      }
    }
  }
}
