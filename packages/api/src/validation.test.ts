import { isAppError } from '@toolgate/core/errors';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MAX_INPUT_DEPTH, parseInput, unstorableInputIssues } from './validation.ts';

const NUL = 'must not contain NUL characters';
const SURROGATE = 'must be valid Unicode text (it has an unpaired surrogate)';

describe('unstorableInputIssues', () => {
  it('names every string with a NUL or an unpaired surrogate, however deep, in document order', () => {
    expect(
      unstorableInputIssues({
        name: 'a\u0000b',
        ok: 'fine 🙂',
        list: ['x', '\ud800', 'y\udfff', '\udc00\ud800'],
        nested: { deeper: [{ text: '\u0000' }] },
      }),
    ).toEqual([
      { path: 'name', message: NUL },
      { path: 'list.1', message: SURROGATE },
      { path: 'list.2', message: SURROGATE },
      { path: 'list.3', message: SURROGATE },
      { path: 'nested.deeper.0.text', message: NUL },
    ]);
    expect(unstorableInputIssues('\u0000')).toEqual([{ path: '', message: NUL }]);
  });

  it('checks keys too, without echoing the refused characters', () => {
    expect(unstorableInputIssues({ values: { 'A\u0000B': 'x', ['\ud800'.repeat(100)]: 'y' } })).toEqual([
      { path: 'values.A\uFFFDB', message: `name ${NUL}` },
      { path: `values.${'\uFFFD'.repeat(64)}…`, message: `name ${SURROGATE}` },
    ]);
  });

  it('accepts well-formed text: emoji, paired surrogates, control characters other than NUL', () => {
    expect(
      unstorableInputIssues({ a: '👩‍👩‍👧‍👦', b: '\u0001\u001b\r\n', c: '\\u0000', d: [1, true, null] }),
    ).toEqual([]);
  });

  it('refuses nesting deeper than the limit without walking (or overflowing) it', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    const [issue, ...rest] = unstorableInputIssues(deep);
    expect(rest).toEqual([]);
    expect(issue).toEqual({
      path: Array(MAX_INPUT_DEPTH).fill('a').join('.'),
      message: `must not nest more than ${MAX_INPUT_DEPTH} levels deep`,
    });
    let fine: unknown = 'x';
    for (let i = 0; i < MAX_INPUT_DEPTH; i++) fine = [fine];
    expect(unstorableInputIssues(fine)).toEqual([]);
    expect(unstorableInputIssues([fine])).toHaveLength(1);
  });

  it('reports a bounded number of issues', () => {
    expect(unstorableInputIssues(Array(1_000).fill('\u0000'))).toHaveLength(10);
  });

  it('leaves objects that are not plain data alone', () => {
    expect(
      unstorableInputIssues({ at: new Date(0), bytes: new Uint8Array(4), map: new Map([['\u0000', 1]]) }),
    ).toEqual([]);
  });
});

describe('parseInput', () => {
  const schema = z.object({ name: z.string().max(5), tags: z.array(z.string()).default([]) });

  it('refuses unstorable text as INVALID naming the field, even where the schema would accept it', () => {
    let error: unknown;
    try {
      parseInput(schema, { name: 'a\u0000', tags: ['\ud800'] });
    } catch (err) {
      error = err;
    }
    expect(isAppError(error) && error.code).toBe('INVALID');
    expect((error as Error).message).toBe(`name: ${NUL}; tags.0: ${SURROGATE}`);
    expect((error as { details?: unknown }).details).toEqual({
      fields: [
        { path: 'name', message: NUL },
        { path: 'tags.0', message: SURROGATE },
      ],
    });
  });

  it('parses well-formed input with the schema as before', () => {
    expect(parseInput(schema, { name: 'ok 🙂' })).toEqual({ name: 'ok 🙂', tags: [] });
    expect(() => parseInput(schema, { name: 'too long' })).toThrow(/name/);
  });
});
