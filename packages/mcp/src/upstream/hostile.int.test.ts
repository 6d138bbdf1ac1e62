import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../json-limits.ts';
import { createUpstreamPool } from './index.ts';
import { clientInfo, firstText, rejection } from './testing/helpers.ts';
import { type HttpFixture, startHttpFixture } from './testing/http-fixture.ts';
import { stdioFixtureTarget } from './testing/processes.ts';
import type { UpstreamPool, UpstreamTarget } from './types.ts';

/** Messages no JSON serialiser or recursive walk can handle must fail one call, never the process. */
let fixture: HttpFixture;
let pool: UpstreamPool;
let keys = 0;

const nested = (levels: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { bottom: true };
  for (let level = 0; level < levels; level++) value = { nested: value };
  return value;
};

beforeAll(async () => {
  fixture = await startHttpFixture();
  pool = createUpstreamPool({ clientInfo });
});
afterAll(async () => {
  await pool.close();
  await fixture.close();
});

const targets = (): [string, () => UpstreamTarget][] => [
  [
    'streamable HTTP',
    () => ({ key: `hostile-${++keys}`, label: 'fixture', transport: 'streamable_http', url: fixture.url }),
  ],
  ['stdio', () => stdioFixtureTarget(`hostile-stdio-${++keys}`)],
];

describe.each(targets())('hostile messages over %s', (_name, newTarget) => {
  it('fails a call whose arguments cannot be serialised without touching the connection, and keeps serving', async () => {
    const target = newTarget();
    // The connection (and, over HTTP, a keep-alive socket) exists before the hostile call.
    expect(
      firstText(await pool.request(target, 'tools/call', { name: 'echo', arguments: { message: 'a' } })),
    ).toBe('Echo: a');
    const error = await rejection(
      pool.request(target, 'tools/call', { name: 'echo', arguments: { message: nested(20_000) } }),
    );
    expect(error.kind).toBe('protocol');
    expect(error.message).toMatch(/could not serialise/);
    expect(
      firstText(await pool.request(target, 'tools/call', { name: 'echo', arguments: { message: 'b' } })),
    ).toBe('Echo: b');
  });

  it('refuses an answer nested deeper than the limit with an error naming it', async () => {
    const target = newTarget();
    const error = await rejection(
      pool.request(target, 'tools/call', { name: 'deep', arguments: { levels: MAX_JSON_DEPTH + 10 } }),
    );
    expect(error.kind).toBe('protocol');
    expect(error.message).toContain(`nested more than ${MAX_JSON_DEPTH} levels deep`);
    const shallow = await pool.request(target, 'tools/call', { name: 'deep', arguments: { levels: 3 } });
    expect(shallow.structuredContent).toEqual(nested(3));
  });
});
