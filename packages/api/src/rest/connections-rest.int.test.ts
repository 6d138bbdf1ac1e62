import { installations, upstreamConnections, upstreamOAuthClients } from '@toolgate/db/schema';
import { seedInstallation, seedRegistryEntry } from '@toolgate/db/testing';
import { startOAuthUpstream, type OAuthUpstream } from '@toolgate/fixtures/oauth-upstream';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZConnectionList, ZStartedConnection, ZUpstreamClient } from '../schemas/connections.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';

let env: ApiTestEnv;
let upstream: OAuthUpstream;
let call: RestCall;
let a: SeededOrg;
let b: SeededOrg;
let theirs: { entryId: string; connectionId: string };

beforeAll(async () => {
  [{ env, a, b }, upstream] = await Promise.all([createTwoTenantEnv(), startOAuthUpstream()]);
  call = restClient({
    db: env.db.db,
    bus: env.bus,
    publicMcpUrl: 'https://mcp.example.test',
    publicWebUrl: 'https://toolgate.example.test',
    secretKeys: env.secretKeys,
    allowPrivateUpstreams: true,
  });
  // Tenant B has an account connected at the upstream.
  const entry = await seedRegistryEntry(env.db.db, b.tenant.id, { url: upstream.mcpUrl, authKind: 'oauth' });
  const installation = await seedInstallation(env.db.db, b.tenant.id, entry.id, {
    scope: 'personal',
    userId: b.member.id,
  });
  const [client] = await env.db.db
    .insert(upstreamOAuthClients)
    .values({
      tenantId: b.tenant.id,
      registryEntryId: entry.id,
      issuer: upstream.issuer,
      registration: 'dcr',
      clientId: 'b-client',
      serverMetadata: {},
    })
    .returning();
  const [connection] = await env.db.db
    .insert(upstreamConnections)
    .values({ tenantId: b.tenant.id, installationId: installation.id, clientId: client!.id })
    .returning();
  theirs = { entryId: entry.id, connectionId: connection!.id };
});
afterAll(async () => {
  await env?.close();
  await upstream?.close();
});

describe('connected accounts over REST', () => {
  it("starts a member's own connection: Toolgate registers at the upstream and returns where to consent", async () => {
    const entry = await seedRegistryEntry(env.db.db, a.tenant.id, {
      url: upstream.mcpUrl,
      authKind: 'oauth',
    });
    const started = ok(
      await call('POST', '/connections/start', {
        token: a.memberToken,
        body: { registryEntryId: entry.id, scope: 'personal' },
      }),
      200,
      ZStartedConnection,
    );
    const url = new URL(started.authorizationUrl);
    expect(url.origin + url.pathname).toBe(upstream.authorizationEndpoint);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      code_challenge_method: 'S256',
      resource: upstream.resource,
      redirect_uri: 'https://toolgate.example.test/oauth/upstream/callback',
    });
    // A server that does not use OAuth has no account to connect.
    const plain = await seedRegistryEntry(env.db.db, a.tenant.id, { url: upstream.mcpUrl });
    failed(
      await call('POST', '/connections/start', { token: a.memberToken, body: { registryEntryId: plain.id } }),
      422,
      'INVALID',
    );
  });

  it("another tenant's connections are neither listed, started nor removed", async () => {
    const listed = ok(await call('GET', '/connections', { token: a.adminToken }), 200, ZConnectionList);
    expect(listed.connections.map((c) => c.id)).not.toContain(theirs.connectionId);
    failed(
      await call('POST', '/connections/start', {
        token: a.memberToken,
        body: { registryEntryId: theirs.entryId, scope: 'personal' },
      }),
      404,
      'NOT_FOUND',
    );
    failed(
      await call('DELETE', `/connections/${theirs.connectionId}`, { token: a.adminToken }),
      404,
      'NOT_FOUND',
    );
    const [row] = await env.db.db
      .select()
      .from(upstreamConnections)
      .where(eq(upstreamConnections.id, theirs.connectionId));
    expect(row).toBeDefined();
    const [installation] = await env.db.db
      .select()
      .from(installations)
      .where(eq(installations.id, row!.installationId));
    expect(installation).toBeDefined();
    // Their own admin sees it.
    const own = ok(await call('GET', '/connections', { token: b.adminToken }), 200, ZConnectionList);
    expect(own.connections.map((c) => c.id)).toContain(theirs.connectionId);
  });

  it('uses a client an admin registered by hand at the server, its secret sealed; members may not set it', async () => {
    const registered = await fetch(upstream.registrationEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Toolgate (by hand)',
        redirect_uris: ['https://toolgate.example.test/oauth/upstream/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      }),
    });
    const client = (await registered.json()) as { client_id: string; client_secret: string };
    const entry = await seedRegistryEntry(env.db.db, a.tenant.id, {
      url: upstream.mcpUrl,
      authKind: 'oauth',
    });
    const body = { clientId: client.client_id, clientSecret: client.client_secret };
    failed(
      await call('PUT', `/registry/${entry.id}/oauth-client`, { token: a.memberToken, body }),
      403,
      'FORBIDDEN',
    );
    const set = ok(
      await call('PUT', `/registry/${entry.id}/oauth-client`, { token: a.adminToken, body }),
      200,
      ZUpstreamClient,
    );
    expect(set).toEqual({
      issuer: upstream.issuer,
      registration: 'manual',
      clientId: client.client_id,
      confidential: true,
      redirectUri: 'https://toolgate.example.test/oauth/upstream/callback',
    });
    const [row] = await env.db.db
      .select()
      .from(upstreamOAuthClients)
      .where(eq(upstreamOAuthClients.registryEntryId, entry.id));
    expect(row!.clientSecretSealed).not.toContain(client.client_secret);
    const started = ok(
      await call('POST', '/connections/start', {
        token: a.memberToken,
        body: { registryEntryId: entry.id, scope: 'personal' },
      }),
      200,
      ZStartedConnection,
    );
    expect(new URL(started.authorizationUrl).searchParams.get('client_id')).toBe(client.client_id);
    // Another tenant's entry: not found.
    failed(
      await call('PUT', `/registry/${theirs.entryId}/oauth-client`, { token: a.adminToken, body }),
      404,
      'NOT_FOUND',
    );
  });
});
