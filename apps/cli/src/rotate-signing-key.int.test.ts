import { publicJwks } from '@toolgate/auth/signing-keys';
import { generateKeySpec } from '@toolgate/core/crypto';
import { createTestDatabase, type TestDatabase } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { childEnv, runCli } from './testing/run-cli.ts';

const pgUrl = inject('postgresUrl');
let db: TestDatabase | undefined;

beforeAll(async () => {
  if (pgUrl) db = await createTestDatabase(pgUrl);
});
afterAll(async () => {
  await db?.destroy();
});

describe('toolgate rotate-signing-key', () => {
  it.skipIf(!pgUrl)('replaces the key; --drop-previous also takes the old ones out of the JWKS', async () => {
    const env = childEnv({
      DATABASE_URL: db!.url,
      REDIS_URL: inject('redisUrl'),
      TOOLGATE_SECRET_KEYS: generateKeySpec('k1'),
      TOOLGATE_SESSION_KEYS: generateKeySpec('s1'),
    });
    const run = async (args: string[]) => {
      const result = await runCli(['rotate-signing-key', ...args], env);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout) as { kid: string; dropped: string[] };
    };
    const first = await run([]);
    expect(first.dropped).toEqual([]);
    const second = await run([]);
    // Rotated, not dropped: the first key still verifies its tokens.
    expect((await publicJwks(db!.db)).keys.map((k) => k.kid)).toEqual([second.kid, first.kid]);
    const third = await run(['--drop-previous']);
    expect(third.dropped.sort()).toEqual([first.kid, second.kid].sort());
    expect((await publicJwks(db!.db)).keys.map((k) => k.kid)).toEqual([third.kid]);

    const wrong = await runCli(['rotate-signing-key', '--everything'], env);
    expect(wrong.code).toBe(64);
  });
});
