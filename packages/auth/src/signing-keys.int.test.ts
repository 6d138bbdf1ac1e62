import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { createTestDatabase, type TestDatabase } from '@toolgate/db/testing';
import { oauthSigningKeys } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import { decodeProtectedHeader, exportJWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ACCESS_TOKEN_TTL_SECONDS, CLOCK_SKEW_SECONDS } from './constants.ts';
import { CachedKeySet } from './jwks-cache.ts';
import { currentSigningKey, publicJwks, signAccessToken, SIGNING_KEY_ROTATION_MS } from './signing-keys.ts';

let db: TestDatabase;
const ring = parseKeyRing(generateKeySpec('k1'));

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await db?.destroy();
});

const claims = (jti: string) => ({
  iss: 'https://auth.example.test',
  sub: '00000000-0000-4000-8000-000000000001',
  aud: 'https://mcp.example.test/mcp/acme/dev',
  jti,
  client_id: 'client',
  scope: 'mcp:tools',
  tid: '00000000-0000-4000-8000-000000000002',
  gid: '00000000-0000-4000-8000-000000000003',
});

describe('signing keys', () => {
  it('rotate: the JWKS serves the current and the previous key until tokens of the previous one expire', async () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const first = await currentSigningKey(db.db, ring, start);
    // The same key keeps signing until it is SIGNING_KEY_ROTATION_MS old.
    const beforeRotation = new Date(start.getTime() + SIGNING_KEY_ROTATION_MS - 60_000);
    const old = await signAccessToken(db.db, ring, claims('old'), beforeRotation);
    expect(decodeProtectedHeader(old.token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: first.kid });

    // A proxy that loaded the JWKS before the rotation.
    let now = beforeRotation.getTime();
    const proxyKeys = new CachedKeySet(() => publicJwks(db.db, new Date(now)), {
      minRefreshMs: 0,
      now: () => now,
    });
    await proxyKeys.refresh();

    const rotatedAt = new Date(start.getTime() + SIGNING_KEY_ROTATION_MS + 60_000);
    now = rotatedAt.getTime();
    const second = await currentSigningKey(db.db, ring, rotatedAt);
    expect(second.kid).not.toBe(first.kid);
    const fresh = await signAccessToken(db.db, ring, claims('fresh'), rotatedAt);
    expect(decodeProtectedHeader(fresh.token).kid).toBe(second.kid);

    const jwks = await publicJwks(db.db, rotatedAt);
    expect(jwks.keys.map((k) => k.kid)).toEqual([second.kid, first.kid]);
    // Public parts only.
    expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);

    // The proxy meets the new kid, reloads, and verifies both generations.
    const verifyNow = (token: string) =>
      jwtVerify(token, proxyKeys.getKey, { currentDate: new Date(now), clockTolerance: CLOCK_SKEW_SECONDS });
    await expect(verifyNow(fresh.token)).resolves.toMatchObject({ payload: { jti: 'fresh' } });
    await expect(verifyNow(old.token)).resolves.toMatchObject({ payload: { jti: 'old' } });

    // Once every token the first key signed has expired, it leaves the JWKS.
    const afterGrace = new Date(
      rotatedAt.getTime() + (ACCESS_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS + 1) * 1000,
    );
    expect((await publicJwks(db.db, afterGrace)).keys.map((k) => k.kid)).toEqual([second.kid]);
  });

  it('keeps private keys sealed at rest', async () => {
    const key = await currentSigningKey(db.db, ring);
    const [row] = await db.db.select().from(oauthSigningKeys).where(eq(oauthSigningKeys.kid, key.kid));
    const { d } = await exportJWK(key.privateKey);
    expect(d).toBeTruthy();
    expect(row!.sealedPrivateJwk).not.toContain(d!);
    expect(JSON.stringify(row!.publicJwk)).not.toContain(d!);
  });
});
