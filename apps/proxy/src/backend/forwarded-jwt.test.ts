import { randomUUID } from 'node:crypto';
import { signingKeyRevocationId } from '@toolgate/auth/constants';
import type { UpstreamTarget } from '@toolgate/mcp/upstream';
import { decodeProtectedHeader, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../mcp-call.ts';
import { ForwardedJwts } from './forwarded-jwt.ts';

const ISSUER = 'https://toolgate.example';
const AUD = 'https://upstream.example/mcp';
const base: UpstreamTarget = {
  key: 'inst-1:abc',
  label: 'upstream',
  transport: 'streamable_http',
  url: AUD,
  headers: { 'x-static': 'kept' },
};
const alice: Principal = {
  id: 'user:alice',
  tenantId: 'tenant-1',
  authMethod: 'oauth',
  userId: 'alice',
  teamIds: ['team-a', 'team-b'],
  orgWide: false,
};
const orgToken: Principal = {
  id: 'token:t1',
  tenantId: 'tenant-1',
  authMethod: 'api_token',
  userId: null,
  teamIds: [],
  orgWide: true,
};

async function setUp() {
  let clock = Date.UTC(2026, 0, 1, 12, 0, 0);
  let keys = [await newKey()];
  let loads = 0;
  const jwts = new ForwardedJwts({
    issuer: ISSUER,
    now: () => clock,
    currentKey: () => {
      loads++;
      return Promise.resolve(keys[0]!);
    },
  });
  await jwts.ready();
  return {
    jwts,
    keys: () => keys,
    rotate: async () => {
      keys = [await newKey(), ...keys];
    },
    advance: (ms: number) => (clock += ms),
    now: () => clock,
    loads: () => loads,
  };
}

async function newKey() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  return { kid: randomUUID(), privateKey, publicKey };
}

const bearer = (target: UpstreamTarget) => target.headers!.authorization!.replace(/^Bearer /, '');

const verify = (token: string, key: CryptoKey, now: number) =>
  jwtVerify(token, key, {
    issuer: ISSUER,
    audience: AUD,
    algorithms: ['ES256'],
    typ: 'JWT',
    currentDate: new Date(now),
  });

describe('ForwardedJwts', () => {
  it('signs the caller’s claims with the current key, for five minutes, addressed to the upstream', async () => {
    const t = await setUp();
    const target = t.jwts.targetFor(base, AUD, alice);
    const token = bearer(target);
    const { payload, protectedHeader } = await verify(token, t.keys()[0]!.publicKey, t.now());
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'JWT', kid: t.keys()[0]!.kid });
    expect(payload).toMatchObject({
      iss: ISSUER,
      aud: AUD,
      sub: 'alice',
      tid: 'tenant-1',
      teams: ['team-a', 'team-b'],
    });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload.iat).toBe(Math.floor(t.now() / 1000));
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    // Static target headers stay; the pool key is the token's own.
    expect(target.headers!['x-static']).toBe('kept');
    expect(target.key).toBe(`${base.key}~jwt:${payload.jti}`);
  });

  it('names a caller without a user by its principal id', async () => {
    const t = await setUp();
    const { payload } = await verify(
      bearer(t.jwts.targetFor(base, AUD, orgToken)),
      t.keys()[0]!.publicKey,
      t.now(),
    );
    expect(payload.sub).toBe('token:t1');
    expect(payload.teams).toEqual([]);
  });

  it('reuses a token while it has more than 60 s left, then signs a new one', async () => {
    const t = await setUp();
    const first = t.jwts.mint(base, AUD, alice);
    t.advance(239_000);
    expect(t.jwts.mint(base, AUD, alice)).toBe(first);
    t.advance(1_000);
    const second = t.jwts.mint(base, AUD, alice);
    expect(second.claims.jti).not.toBe(first.claims.jti);
    expect(second.target.key).not.toBe(first.target.key);
    expect(second.claims.iat).toBe(first.claims.iat + 240);
  });

  it('never hands one caller’s token to another, nor one audience’s to another', async () => {
    const t = await setUp();
    const a = t.jwts.mint(base, AUD, alice);
    const b = t.jwts.mint(base, AUD, orgToken);
    const other = t.jwts.mint({ ...base, key: 'inst-2:def' }, 'https://other.example/mcp', alice);
    expect(new Set([a.claims.jti, b.claims.jti, other.claims.jti]).size).toBe(3);
    expect(new Set([a.target.key, b.target.key, other.target.key]).size).toBe(3);
    expect(other.claims.aud).toBe('https://other.example/mcp');
    // A caller whose teams changed gets a token naming the new ones.
    const moved = t.jwts.mint(base, AUD, { ...alice, teamIds: ['team-c'] });
    expect(moved.claims.teams).toEqual(['team-c']);
  });

  it('signs with the rotated key after its periodic look-up, and drops a revoked key at once', async () => {
    const t = await setUp();
    const first = t.jwts.mint(base, AUD, alice);
    await t.rotate();
    t.advance(61_000);
    // The look-up runs in the background; the old key signs until it answers.
    t.jwts.mint(base, AUD, alice);
    await t.jwts.ready();
    const deadline = Date.now() + 2_000;
    let rotated = t.jwts.mint(base, AUD, alice);
    while (decodeProtectedHeader(rotated.token).kid !== t.keys()[0]!.kid && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
      rotated = t.jwts.mint(base, AUD, alice);
    }
    expect(decodeProtectedHeader(rotated.token).kid).toBe(t.keys()[0]!.kid);
    expect(rotated.claims.jti).not.toBe(first.claims.jti);
    await verify(rotated.token, t.keys()[0]!.publicKey, t.now());

    const loads = t.loads();
    t.jwts.revoke(signingKeyRevocationId('some-other-kid'));
    expect(t.jwts.isReady).toBe(true);
    t.jwts.revoke(signingKeyRevocationId(t.keys()[0]!.kid));
    expect(t.jwts.isReady).toBe(false);
    expect(() => t.jwts.mint(base, AUD, alice)).toThrow(/signing key/);
    await t.jwts.ready();
    expect(t.loads()).toBeGreaterThan(loads);
  });
});
