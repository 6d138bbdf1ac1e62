import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { identityProviders, installations, memberships } from '@toolgate/db/schema';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
  seedUser,
} from '@toolgate/db/testing';
import {
  startOAuthUpstream,
  TOKEN_EXCHANGE_GRANT,
  type OAuthUpstream,
} from '@toolgate/fixtures/oauth-upstream';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, initializeSession, rpc, type Harness, type RunningProxy } from './testing/harness.ts';

/**
 * `token_exchange` upstreams (RFC 8693): callers authenticate to the gateway with their enterprise
 * IdP's JWT; the gateway exchanges it at the IdP's token endpoint (here a real OpenID provider,
 * oidc-provider, that trusts that IdP) for a token the upstream MCP server validates. Each caller
 * reaches the upstream as themselves.
 */
const IDP_ISSUER = 'https://idp.corp.example';
const AUDIENCE = 'toolgate-gateways';

let h: Harness;
let upstream: OAuthUpstream;
let proxy: RunningProxy;
let idpServer: Server;
let signingKey: CryptoKey;
let url: string;
let apiToken: string;

async function idpToken(email: string, sub: string): Promise<string> {
  return new SignJWT({ email })
    .setProtectedHeader({ alg: 'ES256', kid: 'corp-1' })
    .setIssuer(IDP_ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(signingKey);
}

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  signingKey = privateKey;
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'corp-1', alg: 'ES256', use: 'sig' };
  idpServer = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => idpServer.listen(0, '127.0.0.1', resolve));
  const jwksUri = `http://127.0.0.1:${(idpServer.address() as AddressInfo).port}/jwks`;
  upstream = await startOAuthUpstream({
    trustedIssuers: [{ issuer: IDP_ISSUER, jwksUri, audience: AUDIENCE }],
  });

  // The gateway's client at the token endpoint, allowed to exchange tokens.
  const registered = await fetch(upstream.registrationEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Toolgate',
      redirect_uris: ['https://toolgate.example/cb'],
      grant_types: [TOKEN_EXCHANGE_GRANT],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    }),
  });
  const client = (await registered.json()) as { client_id: string; client_secret: string };

  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  const db = h.db.db;
  const tenant = await seedTenant(db);
  for (const email of ['carol@corp.example', 'dave@corp.example']) {
    const user = await seedUser(db, { email });
    await db.insert(memberships).values({ tenantId: tenant.id, userId: user.id, role: 'member' });
  }
  const [idp] = await db
    .insert(identityProviders)
    .values({ tenantId: tenant.id, name: 'corp', issuer: IDP_ISSUER, jwksUri, audience: AUDIENCE })
    .returning();
  const entry = await seedRegistryEntry(db, tenant.id, {
    slug: 'notes',
    url: upstream.mcpUrl,
    authKind: 'token_exchange',
    authConfig: { tokenEndpoint: upstream.tokenEndpoint, scopes: ['notes:read'] },
  });
  const installation = await seedInstallation(db, tenant.id, entry.id, {
    config: { clientId: client.client_id },
  });
  await db
    .update(installations)
    .set({ credentialsSealed: h.sealCredentials(installation.id, { clientSecret: client.client_secret }) })
    .where(eq(installations.id, installation.id));
  await seedTools(db, tenant.id, installation.id, [{ name: 'whoami' }]);
  const gateway = await seedGateway(db, tenant.id, {
    clientAuthMethods: ['idp_jwt', 'api_token'],
    identityProviderId: idp!.id,
  });
  await seedAssignments(db, tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'whoami' },
    { registryEntryId: entry.id, kind: 'prompt', toolName: 'my_notes' },
  ]);
  apiToken = (await seedApiToken(db, tenant.id)).token;
  proxy = await h.startProxy();
  url = `${proxy.url}/mcp/${tenant.slug}/${gateway.slug}`;
});

afterAll(async () => {
  await h?.close();
  await upstream?.close();
  await new Promise((resolve) => idpServer?.close(resolve));
});

async function whoami(bearer: string) {
  const { headers } = await initializeSession(url, { authorization: `Bearer ${bearer}` });
  const answer = await rpc(
    url,
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'notes__whoami', arguments: {} } },
    headers,
  );
  return answer.json as { result?: { content: { text: string }[] }; error?: { message: string } };
}

describe('token exchange to upstreams (RFC 8693)', () => {
  it("exchanges each caller's IdP token and reaches the upstream as them, never as another", async () => {
    const [carol, dave] = await Promise.all([
      idpToken('carol@corp.example', 'carol'),
      idpToken('dave@corp.example', 'dave'),
    ]);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? whoami(dave) : whoami(carol)).then((a) => ({ i, a }))),
    );
    for (const { i, a } of answers) {
      const seen = JSON.parse(a.result!.content[0]!.text) as { sub: string; scope: string };
      expect(seen).toMatchObject({ sub: i % 2 ? 'dave' : 'carol', scope: 'notes:read' });
    }
    // Exchanged once per caller, then reused (the upstream saw few distinct tokens).
    const jtis = new Set(upstream.seen.tokens.filter((t) => t.sub === 'carol').map((t) => t.jti));
    expect(jtis.size).toBe(1);
  });

  it("lists and gets the server's prompts as the caller too, with their exchanged token", async () => {
    const carol = await idpToken('carol@corp.example', 'carol');
    const { headers } = await initializeSession(url, { authorization: `Bearer ${carol}` });
    const list = await rpc(url, { jsonrpc: '2.0', id: 1, method: 'prompts/list' }, headers);
    expect((list.json as { result: { prompts: { name: string }[] } }).result.prompts).toEqual([
      expect.objectContaining({ name: 'notes__my_notes' }),
    ]);
    const got = await rpc(
      url,
      { jsonrpc: '2.0', id: 2, method: 'prompts/get', params: { name: 'notes__my_notes' } },
      headers,
    );
    const text = (got.json as { result: { messages: { content: { text: string } }[] } }).result.messages[0]!
      .content.text;
    expect(text).toBe('Notes of carol: ');
  });

  it('tells a caller who has no IdP token to exchange what to do, and never calls upstream for them', async () => {
    const before = upstream.seen.tokens.length;
    const answer = await whoami(apiToken);
    expect(answer.error?.message ?? answer.result?.content[0]?.text).toContain('identity provider');
    expect(upstream.seen.tokens.length).toBe(before);
  });
});
