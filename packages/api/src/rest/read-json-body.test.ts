import { describe, expect, it } from 'vitest';
import { HttpError } from './http-errors.ts';
import { nestsDeeperThan, readJsonBody } from './read-json-body.ts';

const post = (body: string) =>
  new Request('http://toolgate.test/api/v1/x', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });

async function refusal(body: string): Promise<HttpError> {
  const err = await readJsonBody(post(body), 1024 * 1024).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(err)}`);
  return err;
}

describe('nestsDeeperThan', () => {
  it('counts object and array levels outside strings', () => {
    expect(nestsDeeperThan('{"a":[1,{"b":[]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[1,{"b":[]}]}', 3)).toBe(true);
    expect(nestsDeeperThan(`{"a":"${'['.repeat(100)}"}`, 1)).toBe(false);
    expect(nestsDeeperThan(String.raw`{"a":"\"[[[[[","b":[]}`, 2)).toBe(false);
    expect(nestsDeeperThan('"x"', 0)).toBe(false);
  });
});

describe('readJsonBody', () => {
  it('refuses bodies nested more than 64 levels deep with a 400 that says so', async () => {
    const err = await refusal(`${'['.repeat(65)}${']'.repeat(65)}`);
    expect(err).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(err.message).toBe('The request body nests objects and arrays more than 64 levels deep');
    // Far deeper than any parser's stack: refused before it is parsed.
    const absurd = await refusal(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
    expect(absurd.message).toBe(err.message);
    expect(await readJsonBody(post(`${'['.repeat(64)}${']'.repeat(64)}`), 1024)).toBeInstanceOf(Array);
  });
});
