import {
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTools,
} from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZPolicyTestResult } from '../schemas/policy-tester.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';
import { recordUsage, usageEvent } from '../testing/usage-world.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { ROUTES } from './routes.ts';

let env: ApiTestEnv;
let call: RestCall;
let a: SeededOrg;
let b: SeededOrg;
let gatewayA: string;
let gatewayB: string;

/** A gateway exposing `web__fetch`, called once with a URL by the org's admin token. */
async function seedCalledGateway(org: SeededOrg): Promise<string> {
  const db = env.db.db;
  const entry = await seedRegistryEntry(db, org.tenant.id, { slug: 'web' });
  const installation = await seedInstallation(db, org.tenant.id, entry.id);
  await seedTools(db, org.tenant.id, installation.id, [{ name: 'fetch', labels: ['untrusted-output'] }]);
  const gateway = await seedGateway(db, org.tenant.id);
  await seedAssignments(db, org.tenant.id, gateway.id, [{ registryEntryId: entry.id, toolName: 'fetch' }]);
  await recordUsage(env.db, [
    usageEvent(org.tenant.id, Date.now() - 60_000, {
      gatewayId: gateway.id,
      installationId: installation.id,
      principalId: `user:${org.admin.id}`,
      authMethod: 'oauth',
      toolName: 'web__fetch',
      request: { url: 'https://intranet.corp.example/wiki' },
    }),
  ]);
  return gateway.id;
}

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  call = restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test' });
  [gatewayA, gatewayB] = await Promise.all([seedCalledGateway(a), seedCalledGateway(b)]);
});
afterAll(async () => {
  await env?.close();
});

const DRAFT = {
  condition: '"untrusted-output" in tool.labels && string(args.url).contains("intranet")',
  action: 'deny',
  message: 'No intranet pages.',
  priority: 5,
  gatewayIds: null,
};

describe('REST POST /policies/test', () => {
  it('replays the gateway’s recent calls with the draft and says which change', async () => {
    const result = ok(
      await call('POST', '/policies/test', {
        token: a.adminToken,
        body: { policy: DRAFT, gatewayId: gatewayA },
      }),
      200,
      ZPolicyTestResult,
    );
    expect(result.counts).toEqual({ calls: 1, evaluated: 1, changed: 1, skipped: 0 });
    expect(result.calls[0]).toMatchObject({
      caller: { id: `user:${a.admin.id}`, label: a.admin.email },
      tool: 'web__fetch',
      recorded: { status: 'ok', policyOutcome: 'allow' },
      current: { action: 'allow', policy: null },
      withDraft: { action: 'deny', policy: { id: null, draft: true } },
      changed: true,
    });
    expect(result.assumptions.length).toBeGreaterThan(0);
  });

  it('answers a condition error as a 422 on policy.condition with its position', async () => {
    const error = failed(
      await call('POST', '/policies/test', {
        token: a.adminToken,
        body: { policy: { ...DRAFT, condition: 'tool.nam == "x"' }, gatewayId: gatewayA },
      }),
      422,
      'INVALID',
    );
    expect(error).toMatchObject({
      fields: [{ path: 'policy.condition', message: 'line 1, column 6: No such key: nam' }],
      details: { condition: { message: 'No such key: nam', offset: 5, line: 1, column: 6 } },
    });
    const tooMany = failed(
      await call('POST', '/policies/test', {
        token: a.adminToken,
        body: { policy: DRAFT, gatewayId: gatewayA, limit: 501 },
      }),
      422,
      'INVALID',
    );
    expect(tooMany.fields?.map((f) => f.path)).toEqual(['limit']);
  });

  it('is refused to members, and another workspace’s gateway is not found', async () => {
    failed(
      await call('POST', '/policies/test', {
        token: a.memberToken,
        body: { policy: DRAFT, gatewayId: gatewayA },
      }),
      403,
      'FORBIDDEN',
    );
    failed(
      await call('POST', '/policies/test', {
        token: a.adminToken,
        body: { policy: DRAFT, gatewayId: gatewayB },
      }),
      404,
      'NOT_FOUND',
    );
    failed(
      await call('POST', '/policies/test', {
        token: a.adminToken,
        body: { policy: { ...DRAFT, gatewayIds: [gatewayB] }, gatewayId: gatewayA },
      }),
      404,
      'NOT_FOUND',
    );
    const theirs = ok(
      await call('POST', '/policies/test', {
        token: b.adminToken,
        body: { policy: DRAFT, gatewayId: gatewayB },
      }),
      200,
      ZPolicyTestResult,
    );
    expect(theirs.calls.map((c) => c.caller?.id)).toEqual([`user:${b.admin.id}`]);
  });

  it('is described in the OpenAPI document under Policies', () => {
    const doc = buildOpenApiDocument(ROUTES, '/api/v1') as {
      paths: Record<string, Record<string, { tags: string[]; operationId: string }>>;
    };
    expect(doc.paths['/policies/test']!.post).toMatchObject({
      tags: ['Policies'],
      operationId: 'testPolicy',
    });
  });
});
