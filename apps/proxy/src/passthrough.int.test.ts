import { createHash, randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import {
  seedApiToken,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
} from '@toolgate/db/testing';
import { authorizeHeadless, startOAuthUpstream, type OAuthUpstream } from '@toolgate/fixtures/oauth-upstream';
import { freePort } from '@toolgate/fixtures/test-kit';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, rpc, type Harness, type RunningProxy } from './testing/harness.ts';
import { captureLogs } from './testing/log-capture.ts';

/**
 * A pass-through gateway fronting a real OAuth-protected MCP server (oidc-provider + an MCP server
 * that accepts only its JWT access tokens): the gateway's protected-resource metadata names that
 * server's authorization server, an MCP client (the official SDK) gets a token there for the
 * gateway's URL, and the gateway checks it and forwards it, unchanged, to that server alone.
 */
let h: Harness;
let upstream: OAuthUpstream;
let proxy: RunningProxy;
let gatewayUrl: string;
let apiToken: string;
const logs = captureLogs('debug');

const REDIRECT = 'http://127.0.0.1:1/callback';

/** An MCP client's OAuth state, in memory; the test plays the user at the authorization URL. */
class MemoryClient implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = '';
  authorizationUrl?: URL;
  readonly redirectUrl = REDIRECT;
  readonly clientMetadata = {
    client_name: 'passthrough test',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
  clientInformation = () => this.info;
  saveClientInformation = (info: OAuthClientInformationMixed) => void (this.info = info);
  tokens = () => this.saved;
  saveTokens = (tokens: OAuthTokens) => void (this.saved = tokens);
  redirectToAuthorization = (url: URL) => void (this.authorizationUrl = url);
  saveCodeVerifier = (verifier: string) => void (this.verifier = verifier);
  codeVerifier = () => this.verifier;
}

/** Signs `user` in through the SDK's own flow: 401 → the gateway's metadata → the server's AS. */
async function signIn(user: string): Promise<MemoryClient> {
  const provider = new MemoryClient();
  expect(await auth(provider, { serverUrl: gatewayUrl })).toBe('REDIRECT');
  const back = await authorizeHeadless(provider.authorizationUrl!, { username: user });
  const code = back.searchParams.get('code')!;
  expect(await auth(provider, { serverUrl: gatewayUrl, authorizationCode: code })).toBe('AUTHORIZED');
  return provider;
}

async function connect(provider: MemoryClient): Promise<Client> {
  const client = new Client({ name: 'passthrough-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(gatewayUrl), { authProvider: provider }));
  return client;
}

/** A token from the same authorization server for another resource (code + PKCE by hand). */
async function tokenFor(resource: string, user: string): Promise<string> {
  const registered = (await (
    await fetch(`${upstream.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
    })
  ).json()) as { client_id: string };
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${upstream.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: registered.client_id,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'notes:read',
    resource,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: 's',
  }).toString();
  const code = (await authorizeHeadless(url, { username: user })).searchParams.get('code')!;
  const answer = (await (
    await fetch(`${upstream.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        code_verifier: verifier,
        client_id: registered.client_id,
        resource,
      }),
    })
  ).json()) as { access_token: string };
  return answer.access_token;
}

const call = (token?: string) =>
  rpc(
    gatewayUrl,
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    },
    token === undefined ? {} : { authorization: `Bearer ${token}` },
  );

const whoami = async (client: Client) => {
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  return (JSON.parse((result.content as { text: string }[])[0]!.text) as { sub: string }).sub;
};

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  upstream = await startOAuthUpstream();
  const tenant = await seedTenant(h.db.db);
  const entry = await seedRegistryEntry(h.db.db, tenant.id, {
    slug: 'notes',
    name: 'Notes',
    url: upstream.mcpUrl,
    authKind: 'oauth_passthrough',
    authConfig: { authorizationServer: upstream.issuer, scopes: ['notes:read', 'notes:write'] },
  });
  await seedInstallation(h.db.db, tenant.id, entry.id);
  const gateway = await seedGateway(h.db.db, tenant.id, {
    clientAuthMethods: ['passthrough'],
    passthroughEntryId: entry.id,
  });
  ({ token: apiToken } = await seedApiToken(h.db.db, tenant.id, { scope: 'org' }));
  const port = await freePort();
  const PUBLIC_MCP_URL = `http://127.0.0.1:${port}`;
  proxy = await h.startProxy({ PUBLIC_MCP_URL }, { log: logs.log, port });
  gatewayUrl = `${proxy.url}/mcp/${tenant.slug}/${gateway.slug}`;
  // The server is deployed behind the gateway: tokens for the gateway's URL are tokens for it.
  upstream.frontedBy(gatewayUrl);
});

afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

describe('pass-through gateway', () => {
  it("names the server's authorization server in its protected-resource metadata", async () => {
    const challenge = await call();
    expect(challenge.status).toBe(401);
    const header = challenge.headers.get('www-authenticate')!;
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(header)![1]!;
    expect(header).toContain('scope="notes:read notes:write"');
    const metadata = (await (await fetch(metadataUrl)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      resource: gatewayUrl,
      authorization_servers: [upstream.issuer],
      scopes_supported: ['notes:read', 'notes:write'],
    });
  });

  it("an MCP client signs in at the server's authorization server and calls through, its token forwarded unchanged", async () => {
    const alice = await signIn('alice');
    const client = await connect(alice);
    const { tools } = await client.listTools();
    // The server as it lists itself: names unchanged, nothing assigned or recorded.
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['whoami', 'notes_add']));
    expect(await whoami(client)).toBe('alice');
    const forwarded = upstream.seen.tokens.at(-1)!;
    expect(forwarded.jti).toBe(decodeJwt(alice.saved!.access_token).jti);
    expect(forwarded.clientId).toBe(alice.info!.client_id);
    await client.close();
  });

  it("keeps each caller's token to their own upstream session, under concurrency", async () => {
    const [alice, bob] = await Promise.all([signIn('alice'), signIn('bob')]);
    const [a, b] = await Promise.all([connect(alice), connect(bob)]);
    const subjects = await Promise.all(Array.from({ length: 12 }, (_, i) => whoami(i % 2 === 0 ? a : b)));
    expect(subjects).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 'alice' : 'bob')));
    await Promise.all([a.close(), b.close()]);
  });

  it("refuses Toolgate's own credentials, tokens for another resource, forged and opaque tokens", async () => {
    const before = upstream.seen.tokens.length;
    const otherAudience = await tokenFor(upstream.mcpUrl, 'alice');
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'mallory', scope: 'notes:read' })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'x' })
      .setIssuer(upstream.issuer)
      .setAudience(gatewayUrl)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const cases: [string, RegExp][] = [
      [apiToken, /Toolgate API tokens are not accepted/],
      [otherAudience, /issued for another resource/],
      [forged, /not signed by a key of its issuer/],
      ['opaque-token-value', /only JWT access tokens/],
    ];
    for (const [token, message] of cases) {
      const answer = await call(token);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toContain('error="invalid_token"');
      expect((answer.json as { error: { message: string } }).error.message).toMatch(message);
    }
    // Nothing refused reached the server.
    expect(upstream.seen.tokens.length).toBe(before);
    expect(logs.text()).not.toContain(otherAudience);
  });
});
