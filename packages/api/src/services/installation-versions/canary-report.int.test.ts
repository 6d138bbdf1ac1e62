import { randomUUID } from 'node:crypto';
import type { UsageEvent } from '@toolgate/core/usage';
import { seedAssignments, seedGateway, seedInstallation, seedRegistryEntry } from '@toolgate/db/testing';
import { applyUsageBatch } from '@toolgate/db/usage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actingAs, createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../../testing/api-test-env.ts';
import { startNpmRegistryFixture, type NpmRegistryFixture } from '../../testing/npm-registry-fixture.ts';
import { getCanaryReport } from './get-canary-report.ts';
import { startCanary } from './start-canary.ts';

const PACKAGE = '@modelcontextprotocol/server-memory';
let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
let registry: NpmRegistryFixture;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  registry = await startNpmRegistryFixture({
    [PACKAGE]: {
      versions: ['0.5.0', '0.6.0', '1.0.0-rc.1', '0.10.0', '1.0.0', '1.1.0-beta.2'],
      latest: '1.0.0',
      deprecated: { '0.5.0': 'use 0.6.0 or later' },
    },
  });
});
afterAll(async () => {
  await registry?.close();
  await env?.close();
});

const as = (org: SeededOrg, who: keyof SeededOrg['actors'] = 'admin') => ({
  ...actingAs(env, org, who),
  npm: { registryUrl: registry.url, timeoutMs: 2_000 },
});

/** A packaged installation of org `org`, exposed through a gateway (so its changes invalidate it). */
async function packaged(org: SeededOrg, overrides: { pinnedVersion?: string } = {}) {
  const entry = await seedRegistryEntry(env.db.db, org.tenant.id, {
    transport: 'stdio',
    url: null,
    package: PACKAGE,
    version: '0.6.0',
  });
  const installation = await seedInstallation(env.db.db, org.tenant.id, entry.id, overrides);
  const gateway = await seedGateway(env.db.db, org.tenant.id);
  await seedAssignments(env.db.db, org.tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'read_graph' },
  ]);
  return { entry, installation, gateway, installationId: installation.id };
}

describe('canary comparison', () => {
  const event = (tenantId: string, installationId: string, overrides: Partial<UsageEvent>): UsageEvent => ({
    at: Date.now(),
    tenantId,
    gatewayId: randomUUID(),
    requestId: randomUUID(),
    traceId: randomUUID().replaceAll('-', ''),
    principalType: 'token',
    principalId: `token:${randomUUID()}`,
    authMethod: 'api_token',
    sessionId: null,
    method: 'tools/call',
    toolName: 'memory__read_graph',
    installationId,
    status: 'ok',
    errorCode: null,
    latencyMs: 10,
    requestBytes: 1,
    responseBytes: 1,
    policyOutcome: 'allow',
    request: null,
    response: null,
    ...overrides,
  });

  it('compares calls, error rate and latency of stable and canary since the canary started', async () => {
    const s = await packaged(a);
    const none = await getCanaryReport({ ...as(a), installationId: s.installationId });
    expect(none).toMatchObject({ canary: null, comparison: null });

    await startCanary({
      ...as(a),
      installationId: s.installationId,
      input: { version: '1.0.0', percent: 25 },
    });
    const e = (o: Partial<UsageEvent>) => event(a.tenant.id, s.installationId, o);
    await applyUsageBatch(env.db.db, {
      id: randomUUID(),
      events: [
        // Before the canary (a day ago, no variant): not counted.
        e({ at: Date.now() - 86_400_000, latencyMs: 5_000 }),
        ...Array.from({ length: 6 }, () => e({ variant: 'stable', serverVersion: '0.6.0', latencyMs: 8 })),
        e({ variant: 'stable', serverVersion: '0.6.0', status: 'error', errorCode: -32603, latencyMs: 8 }),
        e({ variant: 'stable', serverVersion: '0.6.0', latencyMs: 8 }),
        e({ variant: 'canary', serverVersion: '1.0.0', latencyMs: 200 }),
        e({ variant: 'canary', serverVersion: '1.0.0', status: 'error', errorCode: -32603, latencyMs: 200 }),
        // Another tenant's rollups never count.
        event(b.tenant.id, s.installationId, { variant: 'canary', serverVersion: '1.0.0', status: 'error' }),
      ],
    });
    const report = await getCanaryReport({ ...as(a), installationId: s.installationId });
    expect(report.canary).toMatchObject({ version: '1.0.0', percent: 25 });
    const { stable, canary } = report.comparison!;
    expect(stable).toMatchObject({ version: '0.6.0', calls: 8, errors: 1, errorRate: 1 / 8 });
    expect(canary).toMatchObject({ version: '1.0.0', calls: 2, errors: 1, errorRate: 0.5 });
    // Latency from the histograms: stable in the (5, 10] ms bucket, canary in (100, 250].
    expect(stable.p50Ms).toBeGreaterThan(5);
    expect(stable.p95Ms).toBeLessThanOrEqual(10);
    expect(canary.p50Ms).toBeGreaterThan(100);
    expect(canary.p95Ms).toBeLessThanOrEqual(250);

    // Members see the canary, not the comparison of everyone's calls.
    const asMember = await getCanaryReport({ ...as(a, 'member'), installationId: s.installationId });
    expect(asMember).toMatchObject({ canary: { version: '1.0.0' }, comparison: null });
  });
});
