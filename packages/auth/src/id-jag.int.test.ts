import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { identityProviders } from '@toolgate/db/schema';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPreregisteredClient, registerClient } from './clients.ts';
import { ID_JAG_TYP, JWT_BEARER_GRANT } from './constants.ts';
import { JwksCache } from './jwks-cache.ts';
import {
  basic,
  createAuthTestEnv,
  matching,
  REDIRECT,
  registerPublicClient,
  seedOAuthTenant,
  token,
  verifyOurToken,
  type AuthTestEnv,
  type OAuthTenant,
} from './testing/auth-test-env.ts';

const IDP_ISSUER = 'https://idp.example.test';
let env: AuthTestEnv;
let a: OAuthTenant;
let b: OAuthTenant;
let jwksServer: Server;
let signingKey: CryptoKey;
let client: { id: string; secret: string };
let otherTenantClient: { id: string; secret: string };

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
  const keys = new JwksCache({ allowPrivate: true });
  env = await createAuthTestEnv({ idpKeys: (uri) => keys.getKey(uri) });
  [a, b] = await Promise.all([seedOAuthTenant(env), seedOAuthTenant(env)]);
  await env.db.db.insert(identityProviders).values([
    {
      tenantId: a.tenant.id,
      name: 'Okta',
      issuer: IDP_ISSUER,
      jwksUri,
      audience: 'toolgate',
      trustIdJag: true,
    },
    {
      tenantId: b.tenant.id,
      name: 'Okta B',
      issuer: IDP_ISSUER,
      jwksUri,
      audience: 'toolgate',
      trustIdJag: false,
    },
  ]);
  const dcr = await registerClient(env.deps, {
    client_name: 'Agent',
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', JWT_BEARER_GRANT],
  });
  client = { id: dcr.client_id, secret: dcr.client_secret! };
  const pre = await createPreregisteredClient(env.deps, {
    tenantId: b.tenant.id,
    name: 'B agent',
    redirectUris: [REDIRECT],
    confidential: true,
    createdBy: null,
  });
  otherTenantClient = { id: pre.client.clientId, secret: pre.clientSecret! };
});
afterAll(async () => {
  await new Promise((resolve) => jwksServer?.close(resolve));
  await env?.close();
});

function assertion(
  overrides: JWTPayload = {},
  { typ = ID_JAG_TYP, key = signingKey, kid = 'idp-1' }: { typ?: string; key?: CryptoKey; kid?: string } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: IDP_ISSUER,
    sub: 'idp-user-1',
    aud: env.deps.issuer,
    client_id: client.id,
    resource: a.resource,
    scope: 'mcp:read mcp:tools',
    email: a.member.email.toUpperCase(),
    jti: randomUUID(),
    iat: now,
    exp: now + 300,
    ...overrides,
  })
    .setProtectedHeader({ alg: 'RS256', typ, kid })
    .sign(key);
}

const exchange = (jwt: string, extra: Record<string, string> = {}, who = client) =>
  token(env, { grant_type: JWT_BEARER_GRANT, assertion: jwt, ...extra }, basic(who.id, who.secret));

async function refused(jwt: string, pattern: RegExp, extra: Record<string, string> = {}) {
  const res = await exchange(jwt, extra);
  expect(res.body).toMatchObject({
    error: 'invalid_grant',
    error_description: matching(pattern),
  });
  expect(res.status).toBe(400);
}

describe('ID-JAG (JWT bearer grant)', () => {
  it('issues an access token for the named gateway: requested ∩ granted scopes, no refresh token, no grant', async () => {
    const res = await exchange(await assertion(), { scope: 'mcp:read' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'mcp:read', expires_in: 900 });
    expect(res.body.refresh_token).toBeUndefined();
    const claims = await verifyOurToken(env, res.body.access_token as string, a.resource);
    expect(claims).toMatchObject({
      sub: a.member.id,
      aud: a.resource,
      tid: a.tenant.id,
      gid: a.gateway.id,
      client_id: client.id,
      scope: 'mcp:read',
    });
    expect(claims.grant).toBeUndefined();
  });

  it('refuses a replayed assertion', async () => {
    const jwt = await assertion();
    expect((await exchange(jwt)).status).toBe(200);
    await refused(jwt, /replayed/);
  });

  it('refuses a wrong audience, issuer, client_id, typ, expiry or key', async () => {
    await refused(await assertion({ aud: 'https://someone-else.example' }), /aud/);
    await refused(await assertion({ iss: 'https://unknown-idp.example' }), /not an identity provider/);
    await refused(await assertion({ client_id: 'tgc-someone-else' }), /client_id/);
    await refused(await assertion({}, { typ: 'JWT' }), /typ/);
    const past = Math.floor(Date.now() / 1000) - 3600;
    await refused(await assertion({ iat: past - 300, exp: past }), /expired/);
    await refused(await assertion({ exp: undefined }), /exp/);
    await refused(await assertion({ jti: undefined }), /jti/);
    const stranger = await generateKeyPair('RS256');
    await refused(await assertion({}, { key: stranger.privateKey }), /signature/);
    await refused(await assertion({}, { key: stranger.privateKey, kid: 'unknown' }), /kid/);
  });

  it('refuses a resource that is not an OAuth gateway, or whose tenant does not trust the issuer for ID-JAG', async () => {
    await refused(await assertion({ resource: a.noOauthResource }), /OAuth/);
    await refused(await assertion({ resource: b.resource }), /not an identity provider/);
    await refused(await assertion(), /resource differs/, { resource: b.resource });
  });

  it('refuses a subject that is not a member, and scopes the assertion does not grant', async () => {
    await refused(await assertion({ email: 'nobody@example.test' }), /not a member/);
    const res = await exchange(await assertion({ scope: 'mcp:read' }), { scope: 'mcp:tools' });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
  });

  it('is for authenticated confidential clients of the right tenant only', async () => {
    const publicClient = await registerPublicClient(env);
    const asPublic = await token(env, {
      grant_type: JWT_BEARER_GRANT,
      assertion: await assertion({ client_id: publicClient.client_id }),
      client_id: publicClient.client_id,
    });
    expect(asPublic.body.error).toBe('unauthorized_client');
    const badSecret = await exchange(await assertion(), {}, { id: client.id, secret: 'tgs_wrong' });
    expect(badSecret).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const foreign = await exchange(
      await assertion({ client_id: otherTenantClient.id }),
      {},
      otherTenantClient,
    );
    expect(foreign).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant', error_description: matching(/own tenant/) },
    });
  });
});
