import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { accessTokenRevocationId, grantRevocationId, issuerFrom } from '@toolgate/auth/constants';
import { revokeSigningKeys, rotateSigningKey, signAccessToken } from '@toolgate/auth/signing-keys';
import { invalidateUser, publishRevocation } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { gatewayTeams, identityProviders, memberships, tenants, users } from '@toolgate/db/schema';
import {
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedMember,
  seedRegistryEntry,
  seedTeam,
  seedTenant,
} from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
import { and, eq, sql } from 'drizzle-orm';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectClient,
  createHarness,
  discoverAndSeedTools,
  initializeSession,
  rpc,
  type Harness,
  type RunningProxy,
} from './testing/harness.ts';

const PUBLIC_MCP_URL = 'http://localhost:4000';
const ISSUER = issuerFrom('http://localhost:3000/');
const ring = parseKeyRing(generateKeySpec('oauth-test'));

let h: Harness;
let everything: RunningEverythingServer;
let proxyA: RunningProxy;
let proxyB: RunningProxy;

/** The identity provider: a JWKS endpoint serving whichever keys the test says. */
interface IdpKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}
let idpServer: Server;
let jwksUrl: string;
let served: IdpKey[] = [];
const IDP_ISSUER = `https://idp-${randomUUID()}.example`;
const IDP_AUDIENCE = 'toolgate-gateways';

async function idpKey(): Promise<IdpKey> {
  const kid = randomUUID();
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function idpToken(
  key: IdpKey,
  claims: Record<string, unknown>,
  { issuer = IDP_ISSUER, audience = IDP_AUDIENCE }: { issuer?: string; audience?: string } = {},
) {
  return new SignJWT({ sub: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key.privateKey);
}

const w = {} as {
  tenant: { id: string; slug: string };
  other: { id: string; slug: string };
  jitTenant: { id: string; slug: string };
  member: { id: string; email: string };
  admin: { id: string; email: string };
  gwA: { id: string; slug: string };
  gwB: { id: string; slug: string };
  apiOnly: { id: string; slug: string };
  otherGw: { id: string; slug: string };
  idpGw: { id: string; slug: string };
  subGw: { id: string; slug: string };
  teamsGw: { id: string; slug: string };
  jitGw: { id: string; slug: string };
  team: { id: string; slug: string };
  idpKey: IdpKey;
};

const url = (proxy: RunningProxy, tenant: { slug: string }, gw: { slug: string }) =>
  `${proxy.url}/mcp/${tenant.slug}/${gw.slug}`;
const audience = (tenant: { slug: string }, gw: { slug: string }) =>
  `${PUBLIC_MCP_URL}/mcp/${tenant.slug}/${gw.slug}`;

/** An access token as the authorization server mints it. */
async function ourToken(
  overrides: Partial<{
    user: { id: string };
    tenant: { id: string; slug: string };
    gw: { id: string; slug: string };
    scope: string;
    grant: string;
    jti: string;
    ttlSeconds: number;
    now: Date;
  }> = {},
) {
  const tenant = overrides.tenant ?? w.tenant;
  const gw = overrides.gw ?? w.gwA;
  const { token } = await signAccessToken(
    h.db.db,
    ring,
    {
      iss: ISSUER,
      sub: (overrides.user ?? w.member).id,
      aud: audience(tenant, gw),
      jti: overrides.jti ?? randomUUID(),
      client_id: 'test-client',
      scope: overrides.scope ?? 'mcp:tools mcp:read',
      tid: tenant.id,
      gid: gw.id,
      grant: overrides.grant ?? randomUUID(),
      ...(overrides.ttlSeconds ? { ttlSeconds: overrides.ttlSeconds } : {}),
    },
    overrides.now,
  );
  return token;
}

const initialize = (target: string, token: string) =>
  rpc(
    target,
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    },
    { authorization: `Bearer ${token}` },
  );

async function seedIdp(tenantId: string, overrides: Partial<typeof identityProviders.$inferInsert> = {}) {
  const [row] = await h.db.db
    .insert(identityProviders)
    .values({
      tenantId,
      name: 'corp',
      issuer: IDP_ISSUER,
      jwksUri: jwksUrl,
      audience: IDP_AUDIENCE,
      ...overrides,
    })
    .returning();
  return row!;
}

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  everything = await startEverythingServer('streamableHttp');
  idpServer = createServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: served.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => idpServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(idpServer.address() as AddressInfo).port}/jwks`;
  w.idpKey = await idpKey();
  served = [w.idpKey];

  const db = h.db.db;
  const tenant = await seedTenant(db);
  const other = await seedTenant(db);
  const jitTenant = await seedTenant(db, { settings: { allowJitUsers: true } });
  const entry = await seedRegistryEntry(db, tenant.id, { slug: 'everything', url: everything.url });
  const installation = await seedInstallation(db, tenant.id, entry.id);
  await discoverAndSeedTools(h.db, tenant.id, installation.id, { url: everything.url });
  const idp = await seedIdp(tenant.id, { groupsClaim: 'groups' });
  const subIdp = await seedIdp(tenant.id, { issuer: `${IDP_ISSUER}/sub`, userClaim: 'sub' });
  const jitIdp = await seedIdp(jitTenant.id);
  const oauthOnly = { clientAuthMethods: ['oauth' as const] };
  const gateways = {
    gwA: await seedGateway(db, tenant.id, oauthOnly),
    gwB: await seedGateway(db, tenant.id, oauthOnly),
    apiOnly: await seedGateway(db, tenant.id, { clientAuthMethods: ['api_token'] }),
    otherGw: await seedGateway(db, other.id, oauthOnly),
    idpGw: await seedGateway(db, tenant.id, { clientAuthMethods: ['idp_jwt'], identityProviderId: idp.id }),
    subGw: await seedGateway(db, tenant.id, {
      clientAuthMethods: ['idp_jwt'],
      identityProviderId: subIdp.id,
    }),
    teamsGw: await seedGateway(db, tenant.id, {
      clientAuthMethods: ['idp_jwt', 'oauth'],
      identityProviderId: idp.id,
      visibility: 'teams',
    }),
    jitGw: await seedGateway(db, jitTenant.id, {
      clientAuthMethods: ['idp_jwt'],
      identityProviderId: jitIdp.id,
    }),
  };
  for (const gw of [gateways.gwA, gateways.gwB, gateways.idpGw]) {
    await seedAssignments(db, tenant.id, gw.id, [{ registryEntryId: entry.id, toolName: 'echo' }]);
  }
  const team = await seedTeam(db, tenant.id);
  await db
    .insert(gatewayTeams)
    .values({ tenantId: tenant.id, gatewayId: gateways.teamsGw.id, teamId: team.id });
  Object.assign(w, {
    tenant,
    other,
    jitTenant,
    team,
    member: await seedMember(db, tenant.id),
    admin: await seedMember(db, tenant.id, 'admin'),
    ...gateways,
  });
  // Every JWKS reload is allowed at once, so key rotation is testable without waiting.
  const env = { PUBLIC_MCP_URL, PUBLIC_WEB_URL: 'http://localhost:3000/', JWKS_MIN_REFRESH_MS: '0' };
  [proxyA, proxyB] = await Promise.all([h.startProxy(env), h.startProxy(env)]);
});

afterAll(async () => {
  await h?.close();
  await everything?.close();
  await new Promise<void>((resolve) => (idpServer ? idpServer.close(() => resolve()) : resolve()));
});

describe('Toolgate OAuth access tokens', () => {
  it('admit a member and call a tool through the gateway the token was issued for', async () => {
    const { client } = await connectClient(url(proxyA, w.tenant, w.gwA), await ourToken());
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['everything__echo']);
      const echo = await client.callTool({ name: 'everything__echo', arguments: { message: 'via oauth' } });
      expect(echo.content).toEqual([{ type: 'text', text: 'Echo: via oauth' }]);
    } finally {
      await client.close();
    }
  });

  it('are refused on another gateway of the tenant and on another tenant', async () => {
    const token = await ourToken();
    expect((await initialize(url(proxyA, w.tenant, w.gwA), token)).status).toBe(200);
    const onB = await initialize(url(proxyA, w.tenant, w.gwB), token);
    expect(onB.status).toBe(401);
    expect(onB.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await initialize(url(proxyA, w.other, w.otherGw), token)).status).toBe(401);
    // Even signed for that tenant's gateway URL, a token of this tenant stays out.
    const crossTenant = await ourToken({ gw: w.otherGw, tenant: w.tenant });
    expect((await initialize(url(proxyA, w.other, w.otherGw), crossTenant)).status).toBe(401);
  });

  it('are refused when expired, from another issuer, with an unknown key, or with a bad signature', async () => {
    const expired = await ourToken({ now: new Date(Date.now() - 20 * 60_000), ttlSeconds: 5 * 60 });
    expect((await initialize(url(proxyA, w.tenant, w.gwA), expired)).status).toBe(401);

    const stranger = await generateKeyPair('ES256');
    const claims = {
      sub: w.member.id,
      aud: audience(w.tenant, w.gwA),
      jti: randomUUID(),
      client_id: 'x',
      scope: 'mcp:tools',
      tid: w.tenant.id,
      gid: w.gwA.id,
    };
    const forge = (issuer: string) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: randomUUID() })
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(stranger.privateKey);
    const unknownKid = await initialize(url(proxyA, w.tenant, w.gwA), await forge(ISSUER));
    expect(unknownKid.status).toBe(401);
    expect(unknownKid.headers.get('www-authenticate')).toContain('error="invalid_token"');
    // Another issuer is not ours: on an OAuth-only gateway it is a method the gateway refuses.
    expect((await initialize(url(proxyA, w.tenant, w.gwA), await forge('https://evil.example'))).status).toBe(
      401,
    );

    const good = await ourToken();
    const [head, body, signature] = good.split('.');
    const tampered = `${head}.${body}.${signature!.slice(0, -4)}${signature!.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect((await initialize(url(proxyA, w.tenant, w.gwA), tampered)).status).toBe(401);
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
    const widened = Buffer.from(JSON.stringify({ ...payload, gid: w.gwB.id })).toString('base64url');
    expect((await initialize(url(proxyA, w.tenant, w.gwA), `${head}.${widened}.${signature}`)).status).toBe(
      401,
    );
    expect((await initialize(url(proxyA, w.tenant, w.gwA), good)).status).toBe(200);
  });

  it('stop working on every replica as soon as their grant (or jti) is revoked', async () => {
    const grant = randomUUID();
    const token = await ourToken({ grant });
    const jti = randomUUID();
    const single = await ourToken({ jti });
    for (const proxy of [proxyA, proxyB]) {
      expect((await initialize(url(proxy, w.tenant, w.gwA), token)).status).toBe(200);
      expect((await initialize(url(proxy, w.tenant, w.gwA), single)).status).toBe(200);
    }
    await publishRevocation(proxyA.bus, {
      tenantId: w.tenant.id,
      revokedId: grantRevocationId(grant),
      ttlSeconds: 900,
    });
    await publishRevocation(proxyA.bus, {
      tenantId: w.tenant.id,
      revokedId: accessTokenRevocationId(jti),
      ttlSeconds: 900,
    });
    // B verified these tokens before and remembers them: the bus message must reach it.
    await eventually(async () => {
      expect((await initialize(url(proxyB, w.tenant, w.gwA), token)).status).toBe(401);
      expect((await initialize(url(proxyB, w.tenant, w.gwA), single)).status).toBe(401);
    }, 3_000);
    // A token of the same grant never seen before is refused by the revocation set itself.
    expect((await initialize(url(proxyA, w.tenant, w.gwA), await ourToken({ grant }))).status).toBe(401);
    // Other grants are untouched.
    expect((await initialize(url(proxyB, w.tenant, w.gwA), await ourToken())).status).toBe(200);
  });

  it('signed by a key the operator dropped are refused at once on every replica; the new key works', async () => {
    const before = await ourToken();
    for (const proxy of [proxyA, proxyB]) {
      expect((await initialize(url(proxy, w.tenant, w.gwA), before)).status).toBe(200);
    }
    const rotated = await rotateSigningKey(h.db.db, ring, new Date(), { dropPrevious: true });
    expect(rotated.dropped.length).toBeGreaterThan(0);
    await revokeSigningKeys(h.db.db, proxyA.bus, rotated.dropped);
    // Both replicas had verified and remembered the token: the bus message must reach them.
    await eventually(async () => {
      for (const proxy of [proxyA, proxyB]) {
        expect((await initialize(url(proxy, w.tenant, w.gwA), before)).status).toBe(401);
      }
    }, 3_000);
    // Tokens of the new key: an unknown kid, so each replica reloads the JWKS and admits them.
    const after = await ourToken();
    for (const proxy of [proxyA, proxyB]) {
      expect((await initialize(url(proxy, w.tenant, w.gwA), after)).status).toBe(200);
    }
  });

  it('with mcp:read only: lists tools, but tools/call is a 403 scope challenge', async () => {
    const target = url(proxyA, w.tenant, w.gwA);
    const { headers } = await initializeSession(target, {
      authorization: `Bearer ${await ourToken({ scope: 'mcp:read' })}`,
    });
    const list = await rpc(target, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, headers);
    expect(list.status).toBe(200);
    expect((list.json?.result as { tools: unknown[] }).tools).toHaveLength(1);
    const call = await rpc(
      target,
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'everything__echo', arguments: { message: 'x' } },
      },
      headers,
    );
    expect(call.status).toBe(403);
    const challenge = call.headers.get('www-authenticate')!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp:tools"');
    expect(challenge).toContain(
      `resource_metadata="${PUBLIC_MCP_URL}/.well-known/oauth-protected-resource/mcp/${w.tenant.slug}/${w.gwA.slug}"`,
    );
    expect(call.json).toMatchObject({ jsonrpc: '2.0', id: 3, error: { code: -32013 } });
  });

  it('are refused by gateways that do not accept OAuth; OAuth gateways name the scopes in their challenge', async () => {
    const refused = await initialize(url(proxyA, w.tenant, w.apiOnly), await ourToken({ gw: w.apiOnly }));
    expect(refused.status).toBe(401);
    const bare = await rpc(url(proxyA, w.tenant, w.gwA), { jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toContain('scope="mcp:tools mcp:read"');
    const apiBare = await rpc(url(proxyA, w.tenant, w.apiOnly), { jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(apiBare.headers.get('www-authenticate')).not.toContain('scope=');
    const metadata = await fetch(
      `${proxyA.url}/.well-known/oauth-protected-resource/mcp/${w.tenant.slug}/${w.gwA.slug}`,
    );
    expect(await metadata.json()).toMatchObject({
      resource: audience(w.tenant, w.gwA),
      authorization_servers: [ISSUER],
      scopes_supported: ['mcp:tools', 'mcp:read'],
    });
  });

  it('are refused once the user is no longer a member', async () => {
    const leaver = await seedMember(h.db.db, w.tenant.id);
    const token = await ourToken({ user: leaver });
    for (const proxy of [proxyA, proxyB])
      expect((await initialize(url(proxy, w.tenant, w.gwA), token)).status).toBe(200);
    await h.db.db
      .delete(memberships)
      .where(and(eq(memberships.tenantId, w.tenant.id), eq(memberships.userId, leaver.id)));
    await invalidateUser(proxyA.bus, { tenantId: w.tenant.id, userId: leaver.id });
    await eventually(async () => {
      for (const proxy of [proxyA, proxyB])
        expect((await initialize(url(proxy, w.tenant, w.gwA), token)).status).toBe(401);
    }, 3_000);
  });
});

describe('identity provider JWTs', () => {
  it('map a member by email and call a tool', async () => {
    const token = await idpToken(w.idpKey, { email: w.member.email.toUpperCase() });
    const { client } = await connectClient(url(proxyA, w.tenant, w.idpGw), token);
    try {
      const echo = await client.callTool({ name: 'everything__echo', arguments: { message: 'via idp' } });
      expect(echo.content).toEqual([{ type: 'text', text: 'Echo: via idp' }]);
    } finally {
      await client.close();
    }
  });

  it('map by subject: linked on first sight through the email, then by the subject alone', async () => {
    const sub = `corp|${randomUUID()}`;
    const target = url(proxyA, w.tenant, w.subGw);
    const sign = (claims: Record<string, unknown>) =>
      idpToken(w.idpKey, { sub, ...claims }, { issuer: `${IDP_ISSUER}/sub` });
    expect((await initialize(target, await sign({}))).status).toBe(401);
    expect((await initialize(target, await sign({ email: w.admin.email }))).status).toBe(200);
    expect(
      (await initialize(url(proxyB, w.tenant, w.subGw), await sign({ email: 'changed@corp.example' })))
        .status,
    ).toBe(200);
  });

  it('are refused from another issuer, for another audience, or by a gateway without an identity provider', async () => {
    const target = url(proxyA, w.tenant, w.idpGw);
    const claims = { email: w.member.email };
    expect(
      (await initialize(target, await idpToken(w.idpKey, claims, { issuer: 'https://other-idp.example' })))
        .status,
    ).toBe(401);
    expect(
      (await initialize(target, await idpToken(w.idpKey, claims, { audience: 'someone-else' }))).status,
    ).toBe(401);
    expect((await initialize(url(proxyA, w.tenant, w.gwA), await idpToken(w.idpKey, claims))).status).toBe(
      401,
    );
    expect((await initialize(target, await idpToken(w.idpKey, claims))).status).toBe(200);
  });

  it('with an unknown key are refused until the provider publishes it (rotation)', async () => {
    const target = url(proxyA, w.tenant, w.idpGw);
    const next = await idpKey();
    const token = await idpToken(next, { email: w.member.email });
    expect((await initialize(target, token)).status).toBe(401);
    served = [w.idpKey, next];
    expect((await initialize(target, token)).status).toBe(200);
  });

  it('create unknown users just in time only where the tenant allows it', async () => {
    const email = `jit-${randomUUID()}@corp.example`;
    const token = () => idpToken(w.idpKey, { email });
    expect((await initialize(url(proxyA, w.tenant, w.idpGw), await token())).status).toBe(401);
    const count = async () =>
      (
        await h.db.db
          .select()
          .from(users)
          .where(sql`lower(${users.email}) = lower(${email})`)
      ).length;
    expect(await count()).toBe(0);
    expect((await initialize(url(proxyA, w.jitTenant, w.jitGw), await token())).status).toBe(200);
    expect(await count()).toBe(1);
    const [created] = await h.db.db
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = lower(${email})`);
    const [membership] = await h.db.db
      .select()
      .from(memberships)
      .where(and(eq(memberships.tenantId, w.jitTenant.id), eq(memberships.userId, created!.id)));
    expect(membership?.role).toBe('member');
    // No token without an email creates anyone.
    expect((await initialize(url(proxyA, w.jitTenant, w.jitGw), await idpToken(w.idpKey, {}))).status).toBe(
      401,
    );
  });

  it("add no just-in-time member over the plan's members limit: refused with a message naming it", async () => {
    const members = await h.db.db.select().from(memberships).where(eq(memberships.tenantId, w.jitTenant.id));
    await h.db.db
      .update(tenants)
      .set({ limitOverrides: { members: members.length } })
      .where(eq(tenants.id, w.jitTenant.id));
    try {
      const email = `jit-${randomUUID()}@corp.example`;
      const refused = await initialize(
        url(proxyA, w.jitTenant, w.jitGw),
        await idpToken(w.idpKey, { email }),
      );
      expect(refused.status).toBe(403);
      expect(refused.text).toContain("reached its plan's members limit");
      const created = await h.db.db
        .select()
        .from(users)
        .where(sql`lower(${users.email}) = lower(${email})`);
      expect(created).toHaveLength(0);
    } finally {
      await h.db.db.update(tenants).set({ limitOverrides: {} }).where(eq(tenants.id, w.jitTenant.id));
    }
  });

  it('let a group claim naming a team open a teams-only gateway', async () => {
    const target = url(proxyA, w.tenant, w.teamsGw);
    const without = await initialize(
      target,
      await idpToken(w.idpKey, { email: w.member.email, groups: ['nobody'] }),
    );
    expect(without.status).toBe(403);
    const withGroup = await initialize(
      target,
      await idpToken(w.idpKey, { email: w.member.email, groups: [w.team.slug] }),
    );
    expect(withGroup.status).toBe(200);
    // The same member's own OAuth token (no group) does not see it; an admin's does.
    expect((await initialize(target, await ourToken({ gw: w.teamsGw }))).status).toBe(403);
    expect((await initialize(target, await ourToken({ gw: w.teamsGw, user: w.admin }))).status).toBe(200);
  });

  it('are refused once the user is no longer a member', async () => {
    const leaver = await seedMember(h.db.db, w.tenant.id);
    const token = await idpToken(w.idpKey, { email: leaver.email });
    expect((await initialize(url(proxyB, w.tenant, w.idpGw), token)).status).toBe(200);
    await h.db.db
      .delete(memberships)
      .where(and(eq(memberships.tenantId, w.tenant.id), eq(memberships.userId, leaver.id)));
    await invalidateUser(proxyA.bus, { tenantId: w.tenant.id, userId: leaver.id });
    await eventually(
      async () => expect((await initialize(url(proxyB, w.tenant, w.idpGw), token)).status).toBe(401),
      3_000,
    );
  });
});
