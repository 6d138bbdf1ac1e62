import { policies, registryEntries, tools } from '@toolgate/db/schema';
import { seedGateway, seedInstallation, seedRegistryEntry, seedTools } from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZTool } from '../schemas/installations.ts';
import { ZPolicy, ZPolicyList } from '../schemas/policies.ts';
import { ZRegistryEntry, ZRegistryEntryList } from '../schemas/registry.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { ROUTES } from './routes.ts';

let env: ApiTestEnv;
let call: RestCall;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  call = restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test' });
});
afterAll(async () => {
  await env?.close();
});

const POLICY = {
  name: 'No external sends when tainted',
  description: 'The lethal trifecta',
  gatewayIds: null,
  priority: 10,
  enabled: true,
  condition: 'session.tainted && "external-send" in tool.labels',
  action: 'deny',
  message: 'This session read untrusted content; sending data out is blocked.',
};

describe('REST /policies', () => {
  it('creates, lists, reads, changes and deletes a policy with the issue’s shape', async () => {
    const gateway = await seedGateway(env.db.db, a.tenant.id);
    const created = ok(await call('POST', '/policies', { token: a.adminToken, body: POLICY }), 201, ZPolicy);
    expect(created).toMatchObject({ ...POLICY, createdBy: null });

    const scoped = ok(
      await call('POST', '/policies', {
        token: a.adminToken,
        body: {
          name: 'Scoped',
          condition: 'args.size() > 10',
          action: 'require_approval',
          gatewayIds: [gateway.id],
        },
      }),
      201,
      ZPolicy,
    );
    expect(scoped).toMatchObject({ gatewayIds: [gateway.id], priority: 0, enabled: true, description: '' });

    const listed = ok(await call('GET', '/policies', { token: a.memberToken }), 200, ZPolicyList);
    expect(listed.policies.map((p) => p.id)).toEqual([created.id, scoped.id]);
    expect(ok(await call('GET', `/policies/${created.id}`, { token: a.memberToken }), 200, ZPolicy)).toEqual(
      created,
    );

    const changed = ok(
      await call('PATCH', `/policies/${scoped.id}`, {
        token: a.adminToken,
        body: { priority: 50, gatewayIds: null, action: 'allow' },
      }),
      200,
      ZPolicy,
    );
    expect(changed).toMatchObject({ priority: 50, gatewayIds: null, action: 'allow', name: 'Scoped' });
    const reordered = ok(await call('GET', '/policies', { token: a.adminToken }), 200, ZPolicyList);
    expect(reordered.policies.map((p) => p.id)).toEqual([scoped.id, created.id]);

    for (const id of [created.id, scoped.id]) {
      const gone = await call('DELETE', `/policies/${id}`, { token: a.adminToken });
      expect(gone.status).toBe(204);
      expect(gone.json).toBeUndefined();
      failed(await call('GET', `/policies/${id}`, { token: a.adminToken }), 404, 'NOT_FOUND');
    }
  });

  it('answers a condition error with the field and its position', async () => {
    const error = failed(
      await call('POST', '/policies', {
        token: a.adminToken,
        body: { ...POLICY, name: 'typo', condition: 'tool.nam == "x"' },
      }),
      422,
      'INVALID',
    );
    expect(error).toEqual({
      code: 'INVALID',
      message: 'condition: line 1, column 6: No such key: nam',
      fields: [{ path: 'condition', message: 'line 1, column 6: No such key: nam' }],
      details: { condition: { message: 'No such key: nam', offset: 5, line: 1, column: 6 } },
    });
    expect(await env.db.db.select().from(policies).where(eq(policies.name, 'typo'))).toEqual([]);

    const empty = failed(
      await call('POST', '/policies', {
        token: a.adminToken,
        body: { ...POLICY, name: 'none', gatewayIds: [] },
      }),
      422,
      'INVALID',
    );
    expect(empty.fields).toEqual([
      {
        path: 'gatewayIds',
        message: 'choose at least one gateway, or null for every gateway of the workspace',
      },
    ]);
    const unknown = failed(
      await call('POST', '/policies', {
        token: a.adminToken,
        body: { ...POLICY, name: 'x', scope: 'tenant' },
      }),
      422,
      'INVALID',
    );
    expect(unknown.fields?.map((f) => f.path)).toEqual(['']);
  });

  it('lets a member read but not write', async () => {
    const policy = ok(
      await call('POST', '/policies', { token: a.adminToken, body: { ...POLICY, name: 'members read' } }),
      201,
      ZPolicy,
    );
    ok(await call('GET', `/policies/${policy.id}`, { token: a.memberToken }), 200, ZPolicy);
    for (const [method, path, body] of [
      ['POST', '/policies', { ...POLICY, name: 'by a member' }],
      ['PATCH', `/policies/${policy.id}`, { enabled: false }],
      ['DELETE', `/policies/${policy.id}`, undefined],
    ] as const)
      failed(await call(method, path, { token: a.memberToken, body }), 403, 'FORBIDDEN');
    expect(ok(await call('GET', `/policies/${policy.id}`, { token: a.adminToken }), 200, ZPolicy)).toEqual(
      policy,
    );
    await call('DELETE', `/policies/${policy.id}`, { token: a.adminToken });
  });

  it("neither shows nor touches another workspace's policies, gateways, tools or entries", async () => {
    const theirs = ok(
      await call('POST', '/policies', { token: b.adminToken, body: { ...POLICY, name: 'theirs' } }),
      201,
      ZPolicy,
    );
    const theirGateway = await seedGateway(env.db.db, b.tenant.id);
    const theirEntry = await seedRegistryEntry(env.db.db, b.tenant.id);
    const theirInstallation = await seedInstallation(env.db.db, b.tenant.id, theirEntry.id);
    const [theirTool] = await seedTools(env.db.db, b.tenant.id, theirInstallation.id, [{ name: 'send' }]);
    const listed = ok(await call('GET', '/policies', { token: a.adminToken }), 200, ZPolicyList);
    expect(listed.policies.map((p) => p.id)).not.toContain(theirs.id);
    for (const [method, path, body] of [
      ['GET', `/policies/${theirs.id}`, undefined],
      ['PATCH', `/policies/${theirs.id}`, { enabled: false }],
      ['DELETE', `/policies/${theirs.id}`, undefined],
      ['POST', '/policies', { ...POLICY, name: 'their gateway', gatewayIds: [theirGateway.id] }],
      ['PATCH', `/installations/${theirInstallation.id}/tools/${theirTool!.id}`, { labels: ['x'] }],
      ['PATCH', `/registry/${theirEntry.id}/tool-labels`, { tools: { send: ['x'] } }],
    ] as const)
      failed(await call(method, path, { token: a.adminToken, body }), 404, 'NOT_FOUND');
    expect(ok(await call('GET', `/policies/${theirs.id}`, { token: b.adminToken }), 200, ZPolicy)).toEqual(
      theirs,
    );
    const [toolRow] = await env.db.db.select().from(tools).where(eq(tools.id, theirTool!.id));
    expect(toolRow!.labels).toEqual([]);
    const [entryRow] = await env.db.db
      .select()
      .from(registryEntries)
      .where(eq(registryEntries.id, theirEntry.id));
    expect(entryRow!.toolLabels).toEqual({});
  });

  it('is described in the OpenAPI document under Policies', () => {
    const doc = buildOpenApiDocument(ROUTES, '/api/v1') as {
      paths: Record<string, Record<string, { tags: string[]; requestBody?: unknown }>>;
    };
    expect(Object.keys(doc.paths['/policies']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/policies/{id}']!).sort()).toEqual(['delete', 'get', 'patch']);
    expect(doc.paths['/policies']!.post!.tags).toEqual(['Policies']);
    expect(JSON.stringify(doc.paths['/policies']!.post!.requestBody)).toContain('require_approval');
    expect(doc.paths['/registry/{id}/tool-labels']!.patch!.tags).toEqual(['Registry']);
  });
});

describe('REST tool labels', () => {
  it('sets an installation tool’s labels on PATCH /installations/{id}/tools/{toolId}, with or without enabled', async () => {
    const entry = await seedRegistryEntry(env.db.db, a.tenant.id);
    const installation = await seedInstallation(env.db.db, a.tenant.id, entry.id);
    const [tool] = await seedTools(env.db.db, a.tenant.id, installation.id, [{ name: 'fetch' }]);
    const path = `/installations/${installation.id}/tools/${tool!.id}`;
    const labelled = ok(
      await call('PATCH', path, {
        token: a.adminToken,
        body: { labels: ['untrusted-output', 'web', 'web'] },
      }),
      200,
      ZTool,
    );
    expect(labelled).toMatchObject({ id: tool!.id, labels: ['untrusted-output', 'web'], enabled: true });
    const both = ok(
      await call('PATCH', path, { token: a.adminToken, body: { labels: ['external-send'], enabled: false } }),
      200,
      ZTool,
    );
    expect(both).toMatchObject({ labels: ['external-send'], enabled: false });
    const onlyEnabled = ok(
      await call('PATCH', path, { token: a.adminToken, body: { enabled: true } }),
      200,
      ZTool,
    );
    expect(onlyEnabled).toMatchObject({ labels: ['external-send'], enabled: true });

    const bad = failed(
      await call('PATCH', path, { token: a.adminToken, body: { labels: ['Not OK'], enabled: false } }),
      422,
      'INVALID',
    );
    expect(bad.fields?.map((f) => f.path)).toEqual(['labels.0']);
    failed(await call('PATCH', path, { token: a.adminToken, body: {} }), 422, 'INVALID');
    // A member may do neither; a refused label change does not switch the tool off either.
    failed(
      await call('PATCH', path, { token: a.memberToken, body: { labels: [], enabled: false } }),
      403,
      'FORBIDDEN',
    );
    const [row] = await env.db.db.select().from(tools).where(eq(tools.id, tool!.id));
    expect(row).toMatchObject({ labels: ['external-send'], enabled: true });
  });

  it('labels a registry entry’s tools by name on PATCH /registry/{id}/tool-labels', async () => {
    const entry = await seedRegistryEntry(env.db.db, a.tenant.id);
    const labelled = ok(
      await call('PATCH', `/registry/${entry.id}/tool-labels`, {
        token: a.adminToken,
        body: { tools: { send_mail: ['external-send'], read_inbox: ['untrusted-output'] } },
      }),
      200,
      ZRegistryEntry,
    );
    expect(labelled.toolLabels).toEqual({ read_inbox: ['untrusted-output'], send_mail: ['external-send'] });
    const listed = ok(await call('GET', '/registry', { token: a.memberToken }), 200, ZRegistryEntryList);
    expect(listed.entries.find((e) => e.id === entry.id)?.toolLabels).toEqual(labelled.toolLabels);
    failed(
      await call('PATCH', `/registry/${entry.id}/tool-labels`, {
        token: a.memberToken,
        body: { tools: { send_mail: [] } },
      }),
      403,
      'FORBIDDEN',
    );
    const catalog = await seedRegistryEntry(env.db.db, null);
    failed(
      await call('PATCH', `/registry/${catalog.id}/tool-labels`, {
        token: a.adminToken,
        body: { tools: { send_mail: ['external-send'] } },
      }),
      404,
      'NOT_FOUND',
    );
  });
});
