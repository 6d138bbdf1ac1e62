import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JwksCache } from './jwks-cache.ts';

/** A local JWKS endpoint whose answer each test controls, counting the fetches it serves. */
let server: Server;
let base: string;
let fetches = 0;
let answer: { status: number; body: string; headers?: Record<string, string> } = { status: 200, body: '{}' };

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function newKey(kid: string): Promise<Key> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const serve = (...keys: Key[]) => {
  answer = { status: 200, body: JSON.stringify({ keys: keys.map((k) => k.jwk) }) };
};

const sign = (key: Key, claims: Record<string, unknown> = {}) =>
  new SignJWT({ sub: 'someone', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setIssuer('https://idp.test')
    .setAudience('toolgate')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key.privateKey);

/** A clock the test moves: TTL and refresh gates are checked without sleeping. */
let now = 1_000_000;
const clock = () => now;
const cache = (extra: Partial<ConstructorParameters<typeof JwksCache>[0]> = {}) =>
  new JwksCache({ allowPrivate: true, now: clock, minRefreshMs: 30_000, ttlMs: 600_000, ...extra });
const verify = (c: JwksCache, token: string, uri = `${base}/jwks`) =>
  jwtVerify(token, c.getKey(uri), {
    issuer: 'https://idp.test',
    audience: 'toolgate',
    algorithms: ['RS256'],
  });

let k1: Key;
let k2: Key;

beforeAll(async () => {
  [k1, k2] = await Promise.all([newKey('k1'), newKey('k2')]);
  server = createServer((req, res) => {
    fetches++;
    if (req.url === '/redirect') {
      res.writeHead(302, { location: `${base}/jwks` }).end();
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  fetches = 0;
  now += 10 * 60_000;
  serve(k1);
});

describe('JwksCache', () => {
  it('fetches a key set once and verifies many tokens with it', async () => {
    const c = cache();
    for (let i = 0; i < 5; i++) await verify(c, await sign(k1, { i }));
    expect(fetches).toBe(1);
  });

  it('refetches for an unknown kid (rotation), at most once per minRefreshMs, and coalesces concurrent refreshes', async () => {
    const c = cache();
    await verify(c, await sign(k1));
    serve(k1, k2);
    now += 31_000;
    const rotated = await sign(k2);
    // Ten requests with the new kid at once: one fetch between them.
    await Promise.all(Array.from({ length: 10 }, () => verify(c, rotated)));
    expect(fetches).toBe(2);

    // A kid nobody has: refused without fetching again inside the gate…
    const stranger = await newKey('k3');
    await expect(verify(c, await sign(stranger))).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect(fetches).toBe(2);
    // …and fetched once more after it.
    serve(k1, k2, stranger);
    now += 31_000;
    await verify(c, await sign(stranger));
    expect(fetches).toBe(3);
  });

  it('keeps serving the last good set when a refresh fails, and does not remember the failure', async () => {
    const c = cache();
    await verify(c, await sign(k1));
    answer = { status: 500, body: 'down' };
    now += 601_000; // past the TTL: a refresh is due and fails
    await verify(c, await sign(k1));
    expect(fetches).toBe(2);

    const fresh = cache();
    await expect(verify(fresh, await sign(k1))).rejects.toThrow(/HTTP 500/);
    serve(k1);
    // No negative caching: the very next need fetches again and succeeds.
    await verify(fresh, await sign(k1));
    expect(fetches).toBe(4);
  });

  it('refuses private addresses unless allowed, at no cost to the target', async () => {
    const c = cache({ allowPrivate: false });
    await expect(verify(c, await sign(k1))).rejects.toThrow(/private address/);
    expect(fetches).toBe(0);
  });

  it('does not follow redirects and bounds the document size', async () => {
    await expect(verify(cache(), await sign(k1), `${base}/redirect`)).rejects.toThrow(/HTTP 302/);
    answer = { status: 200, body: JSON.stringify({ keys: [k1.jwk], pad: 'x'.repeat(2_000) }) };
    await expect(verify(cache({ maxBytes: 1_000 }), await sign(k1))).rejects.toThrow(/more than 1000 bytes/);
    answer = { status: 200, body: '{"not":"a key set"}' };
    await expect(verify(cache(), await sign(k1))).rejects.toThrow(/JSON Web Key Set/);
  });

  it('keeps one set per JWKS URL', async () => {
    const c = cache();
    await verify(c, await sign(k1), `${base}/a`);
    await verify(c, await sign(k1), `${base}/b`);
    await verify(c, await sign(k1), `${base}/a`);
    expect(fetches).toBe(2);
  });
});
