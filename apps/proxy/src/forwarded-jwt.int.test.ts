import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { issuerFrom } from '@toolgate/auth/constants';
import {
  currentSigningKey,
  publicJwks,
  revokeSigningKeys,
  rotateSigningKey,
} from '@toolgate/auth/signing-keys';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedMember,
  seedRegistryEntry,
  seedTeam,
  seedTenant,
  seedTools,
} from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ForwardedJwts } from './backend/forwarded-jwt.ts';
import { connectClient, createHarness, type Harness, type RunningProxy } from './testing/harness.ts';
import { startJwtUpstream } from '@toolgate/fixtures/jwt-upstream';

const PUBLIC_WEB_URL = 'http://toolgate-web.test:3000/';
const ISSUER = issuerFrom(PUBLIC_WEB_URL);

let h: Harness;
let proxy: RunningProxy;
let jwksServer: Server;
let upstream: Awaited<ReturnType<typeof startJwtUpstream>>;
const w = {} as {
  tenant: { id: string; slug: string };
  alice: { id: string; email: string };
  bob: { id: string; email: string };
  team: { id: string };
  path: string;
  tool: string;
  aliceToken: string;
  bobToken: string;
  orgToken: string;
  orgTokenId: string;
};

interface Seen {
  kid: string;
  claims: {
    sub: string;
    email?: string;
    tid: string;
    teams: string[];
    jti: string;
    aud: string;
    iss: string;
    exp: number;
    iat: number;
  };
}

async function whoami(client: Client): Promise<Seen> {
  const result = await client.callTool({ name: w.tool, arguments: {} });
  const content = result.content as { type: string; text: string }[];
  if (result.isError) throw new Error(`whoami failed: ${content[0]?.text}`);
  return JSON.parse(content[0]!.text) as Seen;
}

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  // Toolgate's real signing keys, published as the web app does at /.well-known/jwks.json.
  await currentSigningKey(h.db.db, h.secretKeys);
  jwksServer = createServer((_req, res) => {
    void publicJwks(h.db.db).then((jwks) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)),
    );
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
  upstream = await startJwtUpstream({ jwksUrl, issuer: ISSUER });

  const { db } = h;
  w.tenant = await seedTenant(db.db);
  w.alice = await seedMember(db.db, w.tenant.id);
  w.bob = await seedMember(db.db, w.tenant.id);
  w.team = await seedTeam(db.db, w.tenant.id, [w.alice.id]);
  const entry = await seedRegistryEntry(db.db, w.tenant.id, { url: upstream.url, authKind: 'jwt' });
  const installation = await seedInstallation(db.db, w.tenant.id, entry.id);
  // Discovery would need a token of its own (see the report); the tool is recorded as found.
  await seedTools(db.db, w.tenant.id, installation.id, [{ name: 'whoami' }]);
  const gateway = await seedGateway(db.db, w.tenant.id);
  await seedAssignments(db.db, w.tenant.id, gateway.id, [{ registryEntryId: entry.id, toolName: 'whoami' }]);
  w.tool = `${entry.slug}__whoami`;
  w.path = `/mcp/${w.tenant.slug}/${gateway.slug}`;
  w.aliceToken = (await seedApiToken(db.db, w.tenant.id, { scope: 'user', userId: w.alice.id })).token;
  w.bobToken = (await seedApiToken(db.db, w.tenant.id, { scope: 'user', userId: w.bob.id })).token;
  const org = await seedApiToken(db.db, w.tenant.id);
  w.orgToken = org.token;
  w.orgTokenId = org.id;
  proxy = await h.startProxy({ PUBLIC_WEB_URL });
});

afterAll(async () => {
  await h?.close();
  await upstream?.close();
  await new Promise<void>((resolve) => (jwksServer ? jwksServer.close(() => resolve()) : resolve()));
});

describe('Forwarded JWT upstreams', () => {
  it('sends each caller’s own identity, validated by the upstream, never another caller’s, also concurrently', async () => {
    const { client: alice } = await connectClient(proxy.url + w.path, w.aliceToken);
    const { client: bob } = await connectClient(proxy.url + w.path, w.bobToken);
    const { client: org } = await connectClient(proxy.url + w.path, w.orgToken);
    try {
      const calls = Array.from({ length: 12 }, (_, i) =>
        [alice, bob, org].map(async (client, who) => ({ who, seen: await whoami(client), i })),
      ).flat();
      const results = await Promise.all(calls);
      for (const { who, seen } of results) {
        expect(seen.claims.iss).toBe(ISSUER);
        expect(seen.claims.aud).toBe(upstream.url);
        expect(seen.claims.tid).toBe(w.tenant.id);
        expect(seen.claims.exp - seen.claims.iat).toBeLessThanOrEqual(300);
        if (who === 0) {
          expect(seen.claims.sub).toBe(w.alice.id);
          expect(seen.claims.email).toBe(w.alice.email);
          expect(seen.claims.teams).toEqual([w.team.id]);
        } else if (who === 1) {
          expect(seen.claims.sub).toBe(w.bob.id);
          expect(seen.claims.email).toBe(w.bob.email);
          expect(seen.claims.teams).toEqual([]);
        } else {
          expect(seen.claims.sub).toBe(`token:${w.orgTokenId}`);
          expect(seen.claims.email).toBeUndefined();
        }
      }
      // Three callers, three tokens: each reused for all of its caller's calls.
      expect(new Set(results.map((r) => r.seen.claims.jti)).size).toBe(3);
      // The upstream checked every request and never saw one caller on another's session.
      expect(upstream.refused).toEqual([]);
      const subs = new Set(upstream.accepted.map((a) => a.claims.sub));
      expect(subs).toEqual(new Set([w.alice.id, w.bob.id, `token:${w.orgTokenId}`]));
    } finally {
      await Promise.all([alice.close(), bob.close(), org.close()]);
    }
  });

  it('reuses a token within its window, and signs a new one with the new key once the old key is revoked', async () => {
    const { client: alice } = await connectClient(proxy.url + w.path, w.aliceToken);
    try {
      const first = await whoami(alice);
      const again = await whoami(alice);
      expect(again.claims.jti).toBe(first.claims.jti);
      expect(again.kid).toBe(first.kid);

      const rotated = await rotateSigningKey(h.db.db, h.secretKeys, new Date(), { dropPrevious: true });
      expect(rotated.dropped).toContain(first.kid);
      const bus = h.newBus();
      try {
        await revokeSigningKeys(h.db.db, bus, rotated.dropped);
      } finally {
        await bus.close();
      }
      // Until the revocation reaches the proxy, its calls may carry the dropped key (refused).
      let after: Seen | undefined;
      await eventually(async () => {
        after = await whoami(alice);
        expect(after.kid).toBe(rotated.kid);
      });
      expect(after!.claims.jti).not.toBe(first.claims.jti);
      expect(after!.claims.sub).toBe(w.alice.id);
    } finally {
      await alice.close();
    }
  });

  it('is really validated by the upstream: a tampered token, another audience’s or none is refused', async () => {
    const genuine = upstream.accepted.at(-1)!.token;
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: randomUUID() })).toString('base64url')}.${signature}`;
    // Signed by Toolgate with the same key, for another upstream.
    const minter = new ForwardedJwts({ db: h.db.db, ring: h.secretKeys, issuer: ISSUER });
    await minter.ready();
    const principal = {
      id: `user:${w.alice.id}`,
      tenantId: w.tenant.id,
      authMethod: 'api_token' as const,
      userId: w.alice.id,
      teamIds: [],
      orgWide: false,
    };
    const base = { key: 'probe', label: 'probe', transport: 'streamable_http' as const, url: upstream.url };
    const elsewhere = minter.mint(base, 'http://127.0.0.1:9/mcp', principal).token;
    const addressed = minter.mint(base, upstream.url, principal).token;

    const refusedBefore = upstream.refused.length;
    expect(await upstream.initializeWith(addressed)).toBe(200);
    expect(await upstream.initializeWith(tampered)).toBe(401);
    expect(await upstream.initializeWith(elsewhere)).toBe(401);
    expect(await upstream.initializeWith('')).toBe(401);
    expect(upstream.refused.slice(refusedBefore).map((r) => r.status)).toEqual([401, 401, 401]);
  });
});
