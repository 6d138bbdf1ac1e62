import { createServer } from 'node:net';
import {
  apiTokens,
  gateways,
  gatewayToolAssignments,
  identityProviders,
  registryEntries,
} from '@toolgate/db/schema';
import {
  seedApiToken,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTeam,
  seedTools,
} from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZGatewayAssignments } from '../schemas/gateways.ts';
import { ZDiscoveredInstallation, ZToolList } from '../schemas/installations.ts';
import { ZRegistryEntry, ZRegistryEntryList } from '../schemas/registry.ts';
import { ZApiToken, ZApiTokenList, ZCreatedApiToken } from '../schemas/tokens.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { failed, ok, restClient, testRestDeps, type RestCall } from '../testing/rest-client.ts';
import { ROUTES, ZGatewayListResponse, ZGatewayResponse } from './routes.ts';

let env: ApiTestEnv;
let call: RestCall;
let a: SeededOrg;
let b: SeededOrg;
/** Tenant B's objects, which tenant A's admin must neither see nor touch. */
const theirs = {} as {
  entryId: string;
  installationId: string;
  gatewayId: string;
  gatewaySlug: string;
  teamId: string;
  tokenId: string;
  token: string;
};
let deadUrl: string;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  call = restClient({
    db: env.db.db,
    bus: env.bus,
    publicMcpUrl: 'https://mcp.example.test/',
    secretKeys: env.secretKeys,
    allowPrivateUpstreams: true,
    allowStdio: true,
    maxBodyBytes: 64 * 1024,
  });
  const entry = await seedRegistryEntry(env.db.db, b.tenant.id, { slug: 'b-server' });
  const installation = await seedInstallation(env.db.db, b.tenant.id, entry.id);
  await seedTools(env.db.db, b.tenant.id, installation.id, [{ name: 'secret-tool' }]);
  const gateway = await seedGateway(env.db.db, b.tenant.id, { slug: 'b-gateway' });
  const team = await seedTeam(env.db.db, b.tenant.id);
  const token = await seedApiToken(env.db.db, b.tenant.id, { capabilities: ['mcp', 'admin'] });
  Object.assign(theirs, {
    entryId: entry.id,
    installationId: installation.id,
    gatewayId: gateway.id,
    gatewaySlug: gateway.slug,
    teamId: team.id,
    tokenId: token.id,
    token: token.token,
  });
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  deadUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}/mcp`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
afterAll(async () => {
  await env?.close();
});

describe('authentication', () => {
  it('answers 401 with a bearer challenge for a missing token', async () => {
    const res = await call('GET', '/gateways');
    failed(res, 401, 'UNAUTHORIZED');
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="toolgate"');
    const wrongScheme = await call('GET', '/gateways', {
      headers: { authorization: `Basic ${a.adminToken}` },
    });
    failed(wrongScheme, 401, 'UNAUTHORIZED');
  });

  it('answers 401 invalid_token for malformed, unknown, expired and revoked tokens', async () => {
    const expired = await seedApiToken(env.db.db, a.tenant.id, {
      capabilities: ['admin'],
      expiresAt: new Date(Date.now() - 60_000),
    });
    const revoked = await seedApiToken(env.db.db, a.tenant.id, {
      capabilities: ['admin'],
      revokedAt: new Date(),
    });
    for (const token of ['garbage', `tg_${'A'.repeat(46)}`, expired.token, revoked.token]) {
      const res = await call('GET', '/registry', { token });
      failed(res, 401, 'UNAUTHORIZED');
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="toolgate", error="invalid_token"');
    }
  });

  it('answers 403 for a token without the admin capability', async () => {
    const mcpOnly = await seedApiToken(env.db.db, a.tenant.id, { capabilities: ['mcp'] });
    failed(await call('GET', '/gateways', { token: mcpOnly.token }), 403, 'FORBIDDEN');
  });
});

describe('request errors', () => {
  it('answers 404 for unknown routes and ids that cannot exist, 405 for a wrong method', async () => {
    failed(await call('GET', '/nothing-here', { token: a.adminToken }), 404, 'NOT_FOUND');
    failed(await call('GET', '/gateways/not-a-uuid', { token: a.adminToken }), 404, 'NOT_FOUND');
    const res = await call('PUT', '/gateways', { token: a.adminToken });
    failed(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.get('allow')).toBe('GET, POST');
    const outside = await handleOutsideBasePath();
    expect(outside.status).toBe(404);
  });

  it('answers 400 for bodies that are not JSON, 413 for oversized ones', async () => {
    for (const rawBody of ['{"slug": ', '', 'not json at all']) {
      failed(
        await call('POST', '/gateways', {
          token: a.adminToken,
          rawBody,
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'BAD_REQUEST',
      );
    }
    failed(
      await call('POST', '/gateways', {
        token: a.adminToken,
        body: { slug: 'big', name: 'x'.repeat(70 * 1024) },
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('answers 422 naming the field for text Postgres cannot store, in bodies and query strings', async () => {
    const nul = failed(
      await call('POST', '/gateways', { token: a.adminToken, body: { slug: 'nul-gw', name: 'a\u0000b' } }),
      422,
      'INVALID',
    );
    expect(nul).toMatchObject({
      message: 'name: must not contain NUL characters',
      fields: [{ path: 'name', message: 'must not contain NUL characters' }],
    });
    const surrogate = failed(
      await call('POST', '/registry', {
        token: a.adminToken,
        body: { slug: 'sur', name: 'x', transport: 'stdio', command: 'x', args: ['ok', '\udc00'] },
      }),
      422,
      'INVALID',
    );
    expect(surrogate.fields).toEqual([
      { path: 'args.1', message: 'must be valid Unicode text (it has an unpaired surrogate)' },
    ]);
    for (const path of ['/logs?tool=x%00', '/usage?method=%00', '/usage/graph?principalId=a%00b']) {
      const error = failed(await call('GET', path, { token: a.adminToken }), 422, 'INVALID');
      expect(error.fields![0]!.message).toBe('must not contain NUL characters');
    }
    expect(await env.db.db.select().from(gateways).where(eq(gateways.slug, 'nul-gw'))).toEqual([]);
  });

  it('answers 400 for bodies nested deeper than 64 levels, 422 for impossible times', async () => {
    const rawBody = `{"slug":"deep","name":"x","description":${'['.repeat(65)}${']'.repeat(65)}}`;
    const deep = failed(
      await call('POST', '/gateways', {
        token: a.adminToken,
        rawBody,
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'BAD_REQUEST',
    );
    expect(deep.message).toBe('The request body nests objects and arrays more than 64 levels deep');
    // Brackets inside strings are text, not nesting.
    failed(
      await call('POST', '/gateways', {
        token: a.adminToken,
        body: { slug: 'UPPER', name: '['.repeat(100) },
      }),
      422,
      'INVALID',
    );
    const cursor = Buffer.from('2024-02-30T00:00:00.000000Z|00000000-0000-4000-8000-000000000000').toString(
      'base64url',
    );
    for (const query of ['to=0000-01-01T00:00:00Z', `cursor=${cursor}`]) {
      failed(await call('GET', `/logs?${query}`, { token: a.adminToken }), 422, 'INVALID');
    }
  });

  it('answers 422 naming every failing field', async () => {
    const error = failed(
      await call('POST', '/gateways', {
        token: a.adminToken,
        body: { slug: 'UPPER', name: 'ok', headerAllowlist: ['Cookie'], unknownField: 1 },
      }),
      422,
      'INVALID',
    );
    expect(error.fields!.map((f) => f.path).sort()).toEqual(['', 'headerAllowlist.0', 'slug']);
    expect(error.message).toContain('slug');
    const registry = failed(
      await call('POST', '/registry', {
        token: a.adminToken,
        body: { slug: 'x1', name: 'x', transport: 'stdio' },
      }),
      422,
      'INVALID',
    );
    expect(registry.fields).toEqual([
      { path: 'command', message: 'a stdio server needs the command that starts it (or a package)' },
    ]);
  });
});

describe('routes', () => {
  it('registry: lists and creates', async () => {
    const created = ok(
      await call('POST', '/registry', {
        token: a.adminToken,
        body: { slug: 'rest-entry', name: 'REST entry', transport: 'streamable_http', url: deadUrl },
      }),
      201,
      ZRegistryEntry,
    );
    const listed = ok(await call('GET', '/registry', { token: a.memberToken }), 200, ZRegistryEntryList);
    expect(listed.entries.map((e) => e.id)).toContain(created.id);
    failed(
      await call('POST', '/registry', {
        token: a.adminToken,
        body: { slug: 'rest-entry', name: 'again', transport: 'stdio', command: 'x' },
      }),
      409,
      'CONFLICT',
    );
  });

  it('gateways: create answers the MCP URL; get, patch, delete', async () => {
    const created = ok(
      await call('POST', '/gateways', { token: a.adminToken, body: { slug: 'rest-gw', name: 'REST' } }),
      201,
      ZGatewayResponse,
    );
    expect(created.url).toBe(`https://mcp.example.test/mcp/${a.tenant.slug}/rest-gw`);
    expect(
      ok(await call('GET', `/gateways/${created.id}`, { token: a.adminToken }), 200, ZGatewayResponse),
    ).toEqual(created);
    const patched = ok(
      await call('PATCH', `/gateways/${created.id}`, { token: a.adminToken, body: { slug: 'rest-gw-2' } }),
      200,
      ZGatewayResponse,
    );
    expect(patched.url).toBe(`https://mcp.example.test/mcp/${a.tenant.slug}/rest-gw-2`);
    const list = ok(await call('GET', '/gateways', { token: a.adminToken }), 200, ZGatewayListResponse);
    expect(list.gateways.map((g) => g.slug)).toContain('rest-gw-2');
    const deleted = await call('DELETE', `/gateways/${created.id}`, { token: a.adminToken });
    expect(deleted.status).toBe(204);
    expect(deleted.json).toBeUndefined();
    failed(await call('GET', `/gateways/${created.id}`, { token: a.adminToken }), 404, 'NOT_FOUND');
  });

  it('assignments: 409 naming both tools on a collision', async () => {
    const one = await seedRegistryEntry(env.db.db, a.tenant.id, { slug: 'coll-one' });
    const two = await seedRegistryEntry(env.db.db, a.tenant.id, { slug: 'coll-two' });
    for (const entry of [one, two]) {
      const inst = await seedInstallation(env.db.db, a.tenant.id, entry.id);
      await seedTools(env.db.db, a.tenant.id, inst.id, [{ name: 'lookup' }]);
    }
    const gw = ok(
      await call('POST', '/gateways', { token: a.adminToken, body: { slug: 'coll', name: 'Coll' } }),
      201,
      ZGatewayResponse,
    );
    const error = failed(
      await call('PUT', `/gateways/${gw.id}/tools`, {
        token: a.adminToken,
        body: {
          assignments: [
            { registryEntryId: one.id, toolName: 'lookup' },
            { registryEntryId: two.id, toolName: 'lookup', alias: 'coll-one__lookup' },
          ],
        },
      }),
      409,
      'CONFLICT',
    );
    expect(error.message).toBe(
      'tool name "coll-one__lookup" would be used by both coll-one/lookup and coll-two/lookup; set an alias',
    );
    expect(error.details).toEqual({
      name: 'coll-one__lookup',
      tools: ['coll-one/lookup', 'coll-two/lookup'],
    });

    const fine = ok(
      await call('PUT', `/gateways/${gw.id}/tools`, {
        token: a.adminToken,
        body: {
          assignments: [
            { registryEntryId: one.id, toolName: 'lookup' },
            { registryEntryId: two.id, toolName: 'lookup' },
          ],
        },
      }),
      200,
      ZGatewayAssignments,
    );
    expect(fine.exposedTools).toEqual(['coll-one__lookup', 'coll-two__lookup']);
  });

  it('tokens: the plaintext is shown once; revocation takes effect at once', async () => {
    const created = ok(
      await call('POST', '/tokens', {
        token: a.adminToken,
        body: { name: 'automation', scope: 'org', capabilities: ['admin'] },
      }),
      201,
      ZCreatedApiToken,
    );
    expect(created.token).toMatch(/^tg_/);
    expect(created.token.startsWith(created.displayPrefix)).toBe(true);
    const listed = await call('GET', '/tokens', { token: created.token });
    expect(JSON.stringify(listed.json)).not.toContain(created.token);
    const tokens = ok(listed, 200, ZApiTokenList).tokens;
    expect(tokens.find((t) => t.id === created.id)).toMatchObject({ name: 'automation', revokedAt: null });
    expect(tokens.every((t) => !('token' in t) && !('tokenHash' in t))).toBe(true);

    const revoked = ok(
      await call('DELETE', `/tokens/${created.id}`, { token: a.adminToken }),
      200,
      ZApiToken,
    );
    expect(revoked.revokedAt).not.toBeNull();
    failed(await call('GET', '/tokens', { token: created.token }), 401, 'UNAUTHORIZED');
  });

  it('installations: created with discovery results, tools listed, re-discovered', async () => {
    const entry = await seedRegistryEntry(env.db.db, a.tenant.id, { url: deadUrl });
    const created = ok(
      await call('POST', '/installations', {
        token: a.adminToken,
        body: { registryEntryId: entry.id, scope: 'org' },
      }),
      201,
      ZDiscoveredInstallation,
    );
    expect(created.installation.status).toBe('unreachable');
    const tools = ok(
      await call('GET', `/installations/${created.installation.id}/tools`, { token: a.adminToken }),
      200,
      ZToolList,
    );
    expect(tools.tools).toEqual([]);
    ok(
      await call('POST', `/installations/${created.installation.id}/discover`, { token: a.adminToken }),
      200,
      ZDiscoveredInstallation,
    );
  });
});

describe('roles through the REST API', () => {
  it('a member may read and install for themselves, but not create gateways, install org-wide or mint org tokens', async () => {
    const entry = await seedRegistryEntry(env.db.db, a.tenant.id, { url: deadUrl });
    ok(await call('GET', '/gateways', { token: a.memberToken }), 200, ZGatewayListResponse);
    failed(
      await call('POST', '/gateways', { token: a.memberToken, body: { slug: 'member-gw', name: 'x' } }),
      403,
      'FORBIDDEN',
    );
    failed(
      await call('POST', '/installations', {
        token: a.memberToken,
        body: { registryEntryId: entry.id, scope: 'org' },
      }),
      403,
      'FORBIDDEN',
    );
    failed(
      await call('POST', '/tokens', { token: a.memberToken, body: { name: 'x', scope: 'org' } }),
      403,
      'FORBIDDEN',
    );
    const personal = ok(
      await call('POST', '/installations', {
        token: a.memberToken,
        body: { registryEntryId: entry.id, scope: 'personal' },
      }),
      201,
      ZDiscoveredInstallation,
    );
    expect(personal.installation).toMatchObject({ scope: 'personal', userId: a.member.id });
    const own = ok(
      await call('POST', '/tokens', { token: a.memberToken, body: { name: 'mine' } }),
      201,
      ZCreatedApiToken,
    );
    expect(own).toMatchObject({ scope: 'user', userId: a.member.id });
    expect(await env.db.db.select().from(gateways).where(eq(gateways.slug, 'member-gw'))).toEqual([]);
  });
});

describe("another tenant's objects", () => {
  const A = () => a.adminToken;

  it('GET /registry does not list them; POST /registry cannot touch them', async () => {
    const listed = ok(await call('GET', '/registry', { token: A() }), 200, ZRegistryEntryList);
    expect(listed.entries.map((e) => e.id)).not.toContain(theirs.entryId);
    const mine = ok(
      await call('POST', '/registry', {
        token: A(),
        body: { slug: 'b-server', name: 'Mine', transport: 'stdio', command: 'x' },
      }),
      201,
      ZRegistryEntry,
    );
    expect(mine.id).not.toBe(theirs.entryId);
    const [row] = await env.db.db
      .select()
      .from(registryEntries)
      .where(eq(registryEntries.id, theirs.entryId));
    expect(row).toMatchObject({ tenantId: b.tenant.id, transport: 'streamable_http' });
  });

  it('POST /installations cannot install their entry or for their team', async () => {
    failed(
      await call('POST', '/installations', {
        token: A(),
        body: { registryEntryId: theirs.entryId, scope: 'org' },
      }),
      404,
      'NOT_FOUND',
    );
    const mine = await seedRegistryEntry(env.db.db, a.tenant.id, { url: deadUrl });
    failed(
      await call('POST', '/installations', {
        token: A(),
        body: { registryEntryId: mine.id, scope: 'team', teamId: theirs.teamId },
      }),
      404,
      'NOT_FOUND',
    );
  });

  it('GET /installations/{id}/tools and POST …/discover do not find their installation', async () => {
    failed(
      await call('GET', `/installations/${theirs.installationId}/tools`, { token: A() }),
      404,
      'NOT_FOUND',
    );
    failed(
      await call('POST', `/installations/${theirs.installationId}/discover`, { token: A() }),
      404,
      'NOT_FOUND',
    );
  });

  it('GET /gateways does not list them; GET/PATCH/DELETE /gateways/{id} do not find them', async () => {
    const listed = ok(await call('GET', '/gateways', { token: A() }), 200, ZGatewayListResponse);
    expect(listed.gateways.map((g) => g.id)).not.toContain(theirs.gatewayId);
    failed(await call('GET', `/gateways/${theirs.gatewayId}`, { token: A() }), 404, 'NOT_FOUND');
    failed(
      await call('PATCH', `/gateways/${theirs.gatewayId}`, { token: A(), body: { name: 'hijacked' } }),
      404,
      'NOT_FOUND',
    );
    failed(await call('DELETE', `/gateways/${theirs.gatewayId}`, { token: A() }), 404, 'NOT_FOUND');
    const [row] = await env.db.db.select().from(gateways).where(eq(gateways.id, theirs.gatewayId));
    expect(row).toMatchObject({ slug: theirs.gatewaySlug, name: theirs.gatewaySlug });
  });

  it('POST /gateways cannot use their teams (their slug is free in our namespace)', async () => {
    failed(
      await call('POST', '/gateways', {
        token: A(),
        body: { slug: 'team-steal', name: 'x', visibility: 'teams', teamIds: [theirs.teamId] },
      }),
      404,
      'NOT_FOUND',
    );
    ok(
      await call('POST', '/gateways', { token: A(), body: { slug: theirs.gatewaySlug, name: 'Ours' } }),
      201,
      ZGatewayResponse,
    );
  });

  it('POST and PATCH /gateways cannot name their identity provider', async () => {
    const [idp] = await env.db.db
      .insert(identityProviders)
      .values({
        tenantId: b.tenant.id,
        name: 'B IdP',
        issuer: 'https://idp.b.example.test',
        jwksUri: 'https://idp.b.example.test/keys',
        audience: 'toolgate',
      })
      .returning();
    failed(
      await call('POST', '/gateways', {
        token: A(),
        body: { slug: 'idp-steal', name: 'x', clientAuthMethods: ['idp_jwt'], identityProviderId: idp!.id },
      }),
      404,
      'NOT_FOUND',
    );
    const ours = ok(
      await call('POST', '/gateways', { token: A(), body: { slug: 'idp-ours', name: 'Ours' } }),
      201,
      ZGatewayResponse,
    );
    expect(ours.identityProviderId).toBeNull();
    failed(
      await call('PATCH', `/gateways/${ours.id}`, {
        token: A(),
        body: { clientAuthMethods: ['idp_jwt'], identityProviderId: idp!.id },
      }),
      404,
      'NOT_FOUND',
    );
    const [row] = await env.db.db.select().from(gateways).where(eq(gateways.id, ours.id));
    expect(row).toMatchObject({ identityProviderId: null, clientAuthMethods: ['api_token', 'oauth'] });
  });

  it('PUT /gateways/{id}/tools cannot change their gateway nor expose their entries or installations', async () => {
    failed(
      await call('PUT', `/gateways/${theirs.gatewayId}/tools`, { token: A(), body: { assignments: [] } }),
      404,
      'NOT_FOUND',
    );
    const mine = ok(
      await call('POST', '/gateways', { token: A(), body: { slug: 'x-assign', name: 'x' } }),
      201,
      ZGatewayResponse,
    );
    const myEntry = await seedRegistryEntry(env.db.db, a.tenant.id);
    failed(
      await call('PUT', `/gateways/${mine.id}/tools`, {
        token: A(),
        body: { assignments: [{ registryEntryId: theirs.entryId, toolName: 'secret-tool' }] },
      }),
      404,
      'NOT_FOUND',
    );
    failed(
      await call('PUT', `/gateways/${mine.id}/tools`, {
        token: A(),
        body: {
          assignments: [
            { registryEntryId: myEntry.id, toolName: 'secret-tool', installationId: theirs.installationId },
          ],
        },
      }),
      404,
      'NOT_FOUND',
    );
    expect(
      await env.db.db
        .select()
        .from(gatewayToolAssignments)
        .where(eq(gatewayToolAssignments.gatewayId, mine.id)),
    ).toEqual([]);
  });

  it('POST /tokens cannot mint a token for their team; GET /tokens does not list theirs', async () => {
    failed(
      await call('POST', '/tokens', {
        token: A(),
        body: { name: 'x', scope: 'team', teamId: theirs.teamId },
      }),
      404,
      'NOT_FOUND',
    );
    const listed = ok(await call('GET', '/tokens', { token: A() }), 200, ZApiTokenList);
    expect(listed.tokens.map((t) => t.id)).not.toContain(theirs.tokenId);
  });

  it('DELETE /tokens/{id} cannot revoke theirs', async () => {
    failed(await call('DELETE', `/tokens/${theirs.tokenId}`, { token: A() }), 404, 'NOT_FOUND');
    const [row] = await env.db.db.select().from(apiTokens).where(eq(apiTokens.id, theirs.tokenId));
    expect(row!.revokedAt).toBeNull();
    ok(await call('GET', '/gateways', { token: theirs.token }), 200, ZGatewayListResponse);
  });

  it('covers every route of the API', () => {
    // When a route is added, add its cross-tenant test above (installations and installation
    // requests: installations-rest.int.test.ts; usage and logs: usage-rest.int.test.ts; identity
    // providers, OAuth clients and grants, sign-in settings: identity-rest.int.test.ts; teams and
    // their members: teams-rest.int.test.ts; members and invitations: members-rest.int.test.ts;
    // the account's verification email: email-verification-rest.int.test.ts; connected accounts:
    // connections-rest.int.test.ts; policies and tool labels: policies-rest.int.test.ts; approvals:
    // approvals-rest.int.test.ts; tool changes and pinning settings: tool-changes-rest.int.test.ts;
    // guardrails: guardrails-rest.int.test.ts; the approval webhook: approval-webhook-rest.int.test.ts;
    // a self-hosted server's log: services/server-log/server-log.int.test.ts; version pins and
    // canaries: installation-versions-rest.int.test.ts; the quota: services/quota; billing:
    // billing-rest.int.test.ts).
    expect(ROUTES.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'DELETE /connections/{id}',
      'DELETE /gateways/{id}',
      'DELETE /guardrails/{id}',
      'DELETE /identity-providers/{id}',
      'DELETE /installations/{id}',
      'DELETE /installations/{id}/canary',
      'DELETE /invitations/{id}',
      'DELETE /members/{userId}',
      'DELETE /oauth/clients/{id}',
      'DELETE /oauth/grants/{id}',
      'DELETE /policies/{id}',
      'DELETE /registry/{id}',
      'DELETE /settings/approval-webhook',
      'DELETE /teams/{id}',
      'DELETE /teams/{id}/members/{userId}',
      'DELETE /tokens/{id}',
      'DELETE /workspace',
      'GET /approvals',
      'GET /approvals/{id}',
      'GET /billing',
      'GET /connections',
      'GET /gateways',
      'GET /gateways/{id}',
      'GET /guardrails',
      'GET /guardrails/{id}',
      'GET /identity-providers',
      'GET /installation-requests',
      'GET /installations',
      'GET /installations/{id}',
      'GET /installations/{id}/canary',
      'GET /installations/{id}/log',
      'GET /installations/{id}/tools',
      'GET /installations/{id}/versions',
      'GET /invitations',
      'GET /logs',
      'GET /logs/{id}',
      'GET /members',
      'GET /oauth/clients',
      'GET /oauth/grants',
      'GET /policies',
      'GET /policies/{id}',
      'GET /registry',
      'GET /settings/approval-webhook',
      'GET /settings/sign-in',
      'GET /settings/tool-pinning',
      'GET /teams',
      'GET /teams/{id}',
      'GET /teams/{id}/members',
      'GET /tokens',
      'GET /tool-changes',
      'GET /usage',
      'GET /usage/graph',
      'GET /usage/quota',
      'PATCH /gateways/{id}',
      'PATCH /guardrails/{id}',
      'PATCH /identity-providers/{id}',
      'PATCH /installations/{id}',
      'PATCH /installations/{id}/tools/{toolId}',
      'PATCH /members/{userId}',
      'PATCH /policies/{id}',
      'PATCH /registry/{id}',
      'PATCH /registry/{id}/tool-labels',
      'PATCH /teams/{id}',
      'PATCH /teams/{id}/members/{userId}',
      'PATCH /workspace',
      'POST /account/verification-email', // the caller's own address: email-verification-rest.int.test.ts
      'POST /approvals/{id}/decision',
      'POST /billing/checkout',
      'POST /billing/portal',
      'POST /connections/start',
      'POST /gateways',
      'POST /guardrails',
      'POST /identity-providers',
      'POST /installation-requests',
      'POST /installation-requests/{id}/approve',
      'POST /installation-requests/{id}/cancel',
      'POST /installation-requests/{id}/reject',
      'POST /installations',
      'POST /installations/{id}/canary',
      'POST /installations/{id}/canary/promote',
      'POST /installations/{id}/check',
      'POST /installations/{id}/discover',
      'POST /invitations',
      'POST /oauth/clients',
      'POST /policies',
      'POST /policies/test', // the replay: policy-tester-rest.int.test.ts
      'POST /registry',
      'POST /registry/probe', // reads no tenant data: nothing to cross
      'POST /settings/approval-webhook/rotate-secret',
      'POST /teams',
      'POST /teams/{id}/members',
      'POST /tokens',
      'POST /tool-changes/{id}/decision',
      'POST /workspace/transfer-ownership',
      'PUT /gateways/{id}/tools',
      'PUT /installations/{id}/pinned-version',
      'PUT /registry/{id}/oauth-client',
      'PUT /settings/approval-webhook',
      'PUT /settings/sign-in',
      'PUT /settings/tool-pinning',
    ]);
  });
});

async function handleOutsideBasePath() {
  const { handleRestRequest } = await import('./handle-rest-request.ts');
  return handleRestRequest(
    new Request('http://toolgate.test/api/v2/gateways'),
    testRestDeps({ db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test' }),
  );
}
