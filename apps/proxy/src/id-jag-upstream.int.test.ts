import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ID_JAG_TYP } from '@toolgate/auth/constants';
import { JwksCache } from '@toolgate/auth/jwks-cache';
import { authorizationServerMetadata } from '@toolgate/auth/metadata';
import { createPreregisteredClient } from '@toolgate/auth/clients';
import type { AuthServerDeps } from '@toolgate/auth/deps';
import { rotateSigningKey } from '@toolgate/auth/signing-keys';
import { handleTokenRequest } from '@toolgate/auth/token';
import { identityProviders, installations, memberships } from '@toolgate/db/schema';
import {
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
  seedUser,
} from '@toolgate/db/testing';
import { freePort } from '@toolgate/fixtures/test-kit';
import { startHttpFixture, type HttpFixture } from '@toolgate/mcp/upstream/testing/http-fixture';
import { eq } from 'drizzle-orm';
import {
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  createLocalJWKSet,
  type CryptoKey,
  type JWK,
} from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, initializeSession, rpc, type Harness } from './testing/harness.ts';

/**
 * ID-JAG to upstreams, with Toolgate itself as the upstream: tenant A's gateway asks the
 * enterprise IdP (a small faithful server of ours) for an Identity Assertion JWT Authorization
 * Grant for tenant B's authorization server (Toolgate's real token endpoint), redeems it there with
 * the JWT bearer grant, and calls tenant B's OAuth-only gateway with the access token, which the
 * proxy verifies as it verifies any of its own tokens.
 */
const IDP_ISSUER = 'https://idp.corp.example';
const IDP_AUDIENCE = 'toolgate';
const GATEWAY_CLIENT = { id: 'toolgate-gateway-a', secret: 'gateway-a-secret' };

let h: Harness;
let fixture: HttpFixture;
let idp: {
  server: Server;
  url: string;
  key: CryptoKey;
  jwk: JWK;
  exchanges: { sub: string; audience: string }[];
};
let as: Server;
let urlA: string;
let bClient: { id: string; secret: string };
let asIssuer: string;

const readForm = (req: IncomingMessage) =>
  new Promise<URLSearchParams>((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => resolve(new URLSearchParams(body)));
  });

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** The enterprise IdP: its JWKS, and a token endpoint that exchanges its own JWTs for ID-JAGs. */
async function startIdp() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'corp-1', alg: 'ES256', use: 'sig' };
  const exchanges: { sub: string; audience: string }[] = [];
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/jwks') return send(200, { keys: [jwk] });
    void readForm(req).then(async (form) => {
      const basic = `Basic ${Buffer.from(`${GATEWAY_CLIENT.id}:${GATEWAY_CLIENT.secret}`).toString('base64')}`;
      if (req.headers.authorization !== basic) return send(401, { error: 'invalid_client' });
      if (
        form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange' ||
        form.get('requested_token_type') !== 'urn:ietf:params:oauth:token-type:id-jag'
      )
        return send(400, { error: 'invalid_request' });
      let subject;
      try {
        subject = await jwtVerify(form.get('subject_token') ?? '', createLocalJWKSet({ keys: [jwk] }), {
          issuer: IDP_ISSUER,
          audience: IDP_AUDIENCE,
        });
      } catch {
        return send(400, { error: 'invalid_grant' });
      }
      const audience = form.get('audience') ?? '';
      exchanges.push({ sub: String(subject.payload.sub), audience });
      const now = Math.floor(Date.now() / 1000);
      const grant = await new SignJWT({
        sub: subject.payload.sub,
        email: subject.payload.email,
        client_id: bClient.id,
        resource: form.get('resource'),
        scope: form.get('scope') ?? 'mcp:tools',
        jti: randomUUID(),
      })
        .setProtectedHeader({ alg: 'ES256', kid: 'corp-1', typ: ID_JAG_TYP })
        .setIssuer(IDP_ISSUER)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(privateKey);
      send(200, {
        access_token: grant,
        issued_token_type: 'urn:ietf:params:oauth:token-type:id-jag',
        token_type: 'N_A',
        expires_in: 300,
      });
    });
  });
  return { server, url: await listen(server), key: privateKey, jwk, exchanges };
}

async function idpToken(email: string, sub: string) {
  return new SignJWT({ email })
    .setProtectedHeader({ alg: 'ES256', kid: 'corp-1' })
    .setIssuer(IDP_ISSUER)
    .setAudience(IDP_AUDIENCE)
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(idp.key);
}

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  fixture = await startHttpFixture();
  idp = await startIdp();
  const db = h.db.db;
  const port = await freePort();
  const proxyUrl = `http://127.0.0.1:${port}`;

  // Toolgate's authorization server (its real token endpoint and metadata) on a port of its own.
  const jwks = new JwksCache({ allowPrivate: true });
  const deps: AuthServerDeps = {
    db,
    bus: h.newBus(),
    keys: h.secretKeys,
    issuer: '',
    publicMcpUrl: proxyUrl,
    allowPrivate: true,
    idpKeys: (uri) => jwks.getKey(uri),
  };
  as = createServer((req, res) => {
    if (req.url === '/.well-known/oauth-authorization-server')
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(authorizationServerMetadata(deps)));
    void readForm(req).then(async (form) => {
      const answer = await handleTokenRequest(deps, {
        form,
        authorization: req.headers.authorization ?? null,
      });
      res
        .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
        .end(JSON.stringify(answer.body));
    });
  });
  deps.issuer = await listen(as);
  asIssuer = deps.issuer;
  await rotateSigningKey(db, h.secretKeys);

  const carol = await seedUser(db, { email: 'carol@corp.example' });
  const idpRow = { name: 'corp', issuer: IDP_ISSUER, jwksUri: `${idp.url}/jwks`, audience: IDP_AUDIENCE };

  // Tenant B: an OAuth-only gateway in front of the fixture's echo tool; B trusts the IdP's ID-JAGs.
  const b = await seedTenant(db);
  await db.insert(memberships).values({ tenantId: b.id, userId: carol.id, role: 'member' });
  await db.insert(identityProviders).values({ tenantId: b.id, ...idpRow, trustIdJag: true });
  const echoEntry = await seedRegistryEntry(db, b.id, { slug: 'fx', url: fixture.url });
  const echoInstallation = await seedInstallation(db, b.id, echoEntry.id);
  await seedTools(db, b.id, echoInstallation.id, [
    { name: 'echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } } } },
  ]);
  const gwB = await seedGateway(db, b.id, { clientAuthMethods: ['oauth'] });
  await seedAssignments(db, b.id, gwB.id, [{ registryEntryId: echoEntry.id, toolName: 'echo' }]);
  const pre = await createPreregisteredClient(deps, {
    tenantId: b.id,
    name: 'Tenant A gateway',
    redirectUris: ['https://a.example/cb'],
    confidential: true,
    createdBy: null,
  });
  bClient = { id: pre.client.clientId, secret: pre.clientSecret! };

  // Tenant A: callers sign in with the IdP; B's gateway is a server reached with ID-JAG.
  const a = await seedTenant(db);
  await db.insert(memberships).values({ tenantId: a.id, userId: carol.id, role: 'member' });
  // Dave is of tenant A only: B's authorization server knows no such member.
  const dave = await seedUser(db, { email: 'dave@corp.example' });
  await db.insert(memberships).values({ tenantId: a.id, userId: dave.id, role: 'member' });
  const [idpA] = await db
    .insert(identityProviders)
    .values({ tenantId: a.id, ...idpRow })
    .returning();
  const entry = await seedRegistryEntry(db, a.id, {
    slug: 'b-gateway',
    url: `${proxyUrl}/mcp/${b.slug}/${gwB.slug}`,
    authKind: 'id_jag',
    authConfig: {
      tokenEndpoint: `${idp.url}/token`,
      authorizationServer: deps.issuer,
      scopes: ['mcp:tools'],
    },
  });
  const installation = await seedInstallation(db, a.id, entry.id, {
    config: { clientId: GATEWAY_CLIENT.id, upstreamClientId: bClient.id },
  });
  await db
    .update(installations)
    .set({
      credentialsSealed: h.sealCredentials(installation.id, {
        clientSecret: GATEWAY_CLIENT.secret,
        upstreamClientSecret: bClient.secret,
      }),
    })
    .where(eq(installations.id, installation.id));
  // B's gateway names it `fx__echo`; A exposes it as `b-gateway__fx__echo`.
  await seedTools(db, a.id, installation.id, [
    { name: 'fx__echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } } } },
  ]);
  const gwA = await seedGateway(db, a.id, { clientAuthMethods: ['idp_jwt'], identityProviderId: idpA!.id });
  await seedAssignments(db, a.id, gwA.id, [{ registryEntryId: entry.id, toolName: 'fx__echo' }]);

  await h.startProxy({ PUBLIC_MCP_URL: proxyUrl, PUBLIC_WEB_URL: deps.issuer }, { port });
  urlA = `${proxyUrl}/mcp/${a.slug}/${gwA.slug}`;
});

afterAll(async () => {
  await h?.close();
  await fixture?.close();
  await new Promise((resolve) => idp?.server.close(resolve));
  await new Promise((resolve) => as?.close(resolve));
});

async function echoAs(email: string, sub: string) {
  const { headers } = await initializeSession(urlA, {
    authorization: `Bearer ${await idpToken(email, sub)}`,
  });
  return rpc(
    urlA,
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'b-gateway__fx__echo', arguments: { message: 'hi' } },
    },
    headers,
  );
}

describe('ID-JAG to upstreams (Toolgate as the upstream)', () => {
  it("gets an ID-JAG for the caller, redeems it at the server's authorization server, and calls as them", async () => {
    const answer = await echoAs('carol@corp.example', 'carol');
    expect(answer.json).toMatchObject({ result: { content: [{ type: 'text', text: 'Echo: hi' }] } });
    // The IdP was asked once, for Toolgate's authorization server, on behalf of the caller.
    expect(idp.exchanges).toEqual([{ sub: 'carol', audience: asIssuer }]);
  });

  it("refuses, with the reason, a caller the server's tenant does not know", async () => {
    const answer = await echoAs('dave@corp.example', 'dave');
    const error = (answer.json as { error?: { message: string } }).error;
    expect(error?.message).toContain('invalid_grant');
    expect(fixture.received.filter((r) => r.message.method === 'tools/call')).toHaveLength(1);
  });
});
