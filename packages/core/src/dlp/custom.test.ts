import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { checkCustomPattern, MAX_PATTERN_CHARS, POSITION_BUDGET } from './custom.ts';
import { compileDetectors } from './scanner.ts';

describe('checkCustomPattern', () => {
  it('accepts an RE2 pattern', () => {
    expect(checkCustomPattern(String.raw`\bEMP-\d{5}\b`)).toEqual({ ok: true });
    expect(checkCustomPattern('(?i)project (falcon|eagle)')).toEqual({ ok: true });
  });

  it.each([
    ['an empty pattern', '  ', /Enter a pattern/],
    ['a lookahead', 'foo(?=bar)', /Lookarounds .* not supported: patterns run on RE2/],
    ['a negative lookbehind', '(?<!x)foo', /Lookarounds/],
    ['a backreference', String.raw`(a)\1`, /Backreferences .* not supported/],
    ['a named backreference', String.raw`(?<x>a)\k<x>`, /Backreferences/],
    ['an unbalanced parenthesis', '(abc', /Not a valid pattern \(RE2 syntax\): missing closing \)/],
    ['a bad repetition', 'a{1001}', /Not a valid pattern \(RE2 syntax\): invalid repeat count/],
    ['a pattern that matches empty text', 'a*', /matches empty text/],
    ['a pattern too large to run cheaply', String.raw`\d{300}`, /too complex \(\d+ steps, at most 200\)/],
    ['a pattern too long', 'a'.repeat(MAX_PATTERN_CHARS + 1), /at most 1000 characters/],
  ])('refuses %s with a message', (_name, source, message) => {
    const check = checkCustomPattern(source);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toMatch(message);
  });
});

describe('custom patterns', () => {
  const scanner = compileDetectors({
    detectors: [],
    patterns: [
      { name: 'employee_id', pattern: String.raw`\bEMP-\d{5}\b` },
      { name: 'codename', pattern: '(?i)project (falcon|eagle)' },
    ],
  });

  it('finds each pattern and names it on the finding', () => {
    const text = 'EMP-12345 works on Project Falcon; EMP-123 does not.';
    expect(scanner.scan(text)).toEqual([
      { detector: 'custom', start: 0, end: 9, pattern: 'employee_id' },
      { detector: 'custom', start: 19, end: 33, pattern: 'codename' },
    ]);
  });

  it('redacts with the pattern name in the placeholder', () => {
    expect(scanner.redact({ text: 'ask EMP-12345' })).toEqual({
      value: { text: 'ask [REDACTED:custom:employee_id]' },
      findings: { custom: 1 },
    });
  });

  it('reports offsets in UTF-16 code units, as JavaScript strings count', () => {
    const unicode = compileDetectors({ detectors: [], patterns: [{ name: 'e', pattern: 'é+' }] });
    const text = 'a😀éé b';
    const [finding] = unicode.scan(text);
    expect(finding && text.slice(finding.start, finding.end)).toBe('éé');
  });

  it('refuses to compile a pattern the engine cannot run', () => {
    let error: unknown;
    try {
      compileDetectors({ detectors: [], patterns: [{ name: 'bad', pattern: '(?<=a)b' }] });
    } catch (e) {
      error = e;
    }
    expect(isAppError(error) && error.code).toBe('INVALID');
    expect((error as Error).message).toMatch(/^DLP pattern "bad": Lookarounds/);
  });

  it('finds matches in a text longer than one position search, piece by piece', () => {
    const scanner = compileDetectors({
      detectors: [],
      patterns: [{ name: 'id', pattern: String.raw`\bEMP-\d{5}\b` }],
    });
    const filler = 'lorem ipsum dolor sit amet '.repeat(2_000);
    const text = `${filler}EMP-11111 ${filler}EMP-22222 ${filler}`;
    expect(text.length).toBeGreaterThan(POSITION_BUDGET / 10);
    expect(scanner.scan(text).map((f) => text.slice(f.start, f.end))).toEqual(['EMP-11111', 'EMP-22222']);
  });

  it('makes the whole text the finding when a match straddles two pieces', () => {
    const scanner = compileDetectors({ detectors: [], patterns: [{ name: 'span', pattern: 'X[^Y]*Y' }] });
    const text = `X${' '.repeat(200_000)}Y`;
    expect(scanner.scan(text)).toEqual([{ detector: 'custom', start: 0, end: text.length, pattern: 'span' }]);
  });

  it.each([
    ['(.*a){19}', 'a'.repeat(200_000)],
    ['(a+)+$', `${'a'.repeat(20_000)}b`],
    ['(a|aa)+$', `${'a'.repeat(20_000)}b`],
    ['(x+x+)+y', 'x'.repeat(20_000)],
    ['(.*a){12}', `${'a'.repeat(20_000)}`],
  ])('runs the pathological pattern %s in linear time', (pattern, text) => {
    const pathological = compileDetectors({ detectors: [], patterns: [{ name: 'p', pattern }] });
    const started = performance.now();
    pathological.scan(text);
    // A backtracking engine takes longer than the age of the universe on these; RE2 takes
    // milliseconds. The bound is loose for a shared, slow CI machine.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
