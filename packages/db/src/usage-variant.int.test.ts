import { randomUUID } from 'node:crypto';
import type { UsageEvent } from '@toolgate/core/usage';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditEvents, usageRollups } from './schema/index.ts';
import { createTestDatabase, seedTenant, type TestDatabase } from './testing/index.ts';
import { applyUsageBatch } from './usage.ts';

function event(tenantId: string, overrides: Partial<UsageEvent>): UsageEvent {
  return {
    at: Date.UTC(2026, 0, 1, 12, 0, 30),
    tenantId,
    gatewayId: randomUUID(),
    requestId: randomUUID(),
    traceId: randomUUID().replaceAll('-', ''),
    principalType: 'token',
    principalId: 'token:one',
    authMethod: 'api_token',
    sessionId: null,
    method: 'tools/call',
    toolName: 'memory__read_graph',
    installationId: randomUUID(),
    status: 'ok',
    errorCode: null,
    latencyMs: 5,
    requestBytes: 10,
    responseBytes: 20,
    policyOutcome: 'allow',
    request: null,
    response: null,
    ...overrides,
  };
}

describe('canary variants in usage', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(inject('postgresUrl'));
  });
  afterAll(async () => db?.destroy());

  it('writes the variant and server version to the audit log, and rolls stable and canary up apart', async () => {
    const tenant = await seedTenant(db.db);
    const same = { gatewayId: randomUUID(), installationId: randomUUID() };
    const events = [
      event(tenant.id, { ...same, variant: 'stable', serverVersion: '1.0.0' }),
      event(tenant.id, { ...same, variant: 'stable', serverVersion: '1.0.0', latencyMs: 9 }),
      event(tenant.id, {
        ...same,
        variant: 'canary',
        serverVersion: '1.1.0',
        status: 'error',
        errorCode: -32603,
      }),
      event(tenant.id, { ...same, variant: 'canary', serverVersion: '1.1.0' }),
      // A proxy that predates canaries, and an installation without one: no variant.
      event(tenant.id, { ...same }),
    ];
    expect(await applyUsageBatch(db.db, { id: randomUUID(), events })).toMatchObject({ events: 5 });

    const audit = await db.db
      .select({ variant: auditEvents.variant, serverVersion: auditEvents.serverVersion })
      .from(auditEvents)
      .where(eq(auditEvents.tenantId, tenant.id));
    expect(audit.map((a) => `${a.variant}@${a.serverVersion}`).sort()).toEqual(
      ['canary@1.1.0', 'canary@1.1.0', 'null@null', 'stable@1.0.0', 'stable@1.0.0'].sort(),
    );

    const rollups = await db.db
      .select()
      .from(usageRollups)
      .where(and(eq(usageRollups.tenantId, tenant.id), eq(usageRollups.installationId, same.installationId)));
    const byKey = Object.fromEntries(rollups.map((r) => [`${r.variant || '-'}/${r.status}`, r.count]));
    expect(byKey).toEqual({ 'stable/ok': 2, 'canary/ok': 1, 'canary/error': 1, '-/ok': 1 });

    // Another batch adds to the same per-variant rows.
    await applyUsageBatch(db.db, {
      id: randomUUID(),
      events: [event(tenant.id, { ...same, variant: 'canary', serverVersion: '1.1.0' })],
    });
    const [canaryOk] = await db.db
      .select()
      .from(usageRollups)
      .where(
        and(
          eq(usageRollups.tenantId, tenant.id),
          eq(usageRollups.installationId, same.installationId),
          eq(usageRollups.variant, 'canary'),
          eq(usageRollups.status, 'ok'),
        ),
      );
    expect(canaryOk?.count).toBe(2);
  });
});
