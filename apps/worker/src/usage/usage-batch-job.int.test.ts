import { randomBytes, randomUUID } from 'node:crypto';
import { createLogger } from '@toolgate/core/logger';
import { MAX_AGENT_CHARS, type UsageEvent } from '@toolgate/core/usage';
import { auditEvents, usageRollups } from '@toolgate/db/schema';
import { createTestDatabase, seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createUsageBatchHandler } from './usage-batch-job.ts';

const log = createLogger({ name: 'usage-batch-job-test', level: 'silent', pretty: false });
const MINUTE = Date.UTC(2026, 2, 1, 9, 30);

/** An event as a proxy that predates the agent sends it (no `agent` field), unless given one. */
function event(tenantId: string, overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    at: MINUTE + 5_000,
    tenantId,
    gatewayId: null,
    requestId: randomUUID(),
    traceId: randomBytes(16).toString('hex'),
    principalType: 'token',
    principalId: 'token:7d4b1c3e-5f60-4a8b-9c0d-1e2f3a4b5c6d',
    authMethod: 'api_token',
    sessionId: null,
    method: 'tools/call',
    toolName: 'echo',
    installationId: null,
    status: 'ok',
    errorCode: null,
    latencyMs: 2,
    requestBytes: 10,
    responseBytes: 20,
    policyOutcome: 'allow',
    request: null,
    response: null,
    ...overrides,
  };
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await db?.destroy();
});

const rollupsOf = (tenantId: string) =>
  db.db
    .select()
    .from(usageRollups)
    .where(eq(usageRollups.tenantId, tenantId))
    .orderBy(asc(usageRollups.agent));

describe('the usage batch job and the agent', () => {
  it('writes the agent on each audit row and keeps one rollup row per agent', async () => {
    const tenant = await seedTenant(db.db);
    const { handle, counters } = createUsageBatchHandler({ db: db.db, log });
    const batch = {
      id: randomUUID(),
      events: [
        event(tenant.id, { agent: 'claude-code' }),
        event(tenant.id, { agent: 'claude-code', latencyMs: 4 }),
        event(tenant.id, { agent: 'tgc_9f8e7d' }),
        event(tenant.id, { agent: null }),
        event(tenant.id, { agent: 'x'.repeat(MAX_AGENT_CHARS + 10) }),
      ],
    };
    await handle(batch);
    expect(counters).toMatchObject({ batches: 1, events: 5, invalidEvents: 0 });

    const audit = await db.db
      .select({ agent: auditEvents.agent })
      .from(auditEvents)
      .where(eq(auditEvents.tenantId, tenant.id));
    expect(audit.map((r) => r.agent).sort()).toEqual(
      ['claude-code', 'claude-code', 'tgc_9f8e7d', 'x'.repeat(MAX_AGENT_CHARS), null].sort(),
    );

    const rollups = await rollupsOf(tenant.id);
    expect(rollups.map((r) => [r.agent, r.count])).toEqual([
      ['', 1],
      ['claude-code', 2],
      ['tgc_9f8e7d', 1],
      ['x'.repeat(MAX_AGENT_CHARS), 1],
    ]);
    expect(rollups.find((r) => r.agent === 'claude-code')!.latencyMsSum).toBe(6);
  });

  it('applies a batch from a proxy without agents, adding to rows written before the agent existed', async () => {
    const tenant = await seedTenant(db.db);
    const principalId = 'token:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    // A rollup row as it stood before the agent column: inserted without it, so it reads ''.
    await db.pool.query(
      `insert into usage_rollups (tenant_id, minute, tool_name, method, status, principal_id, auth_method, count, latency_ms_sum)
       values ($1, $2, 'echo', 'tools/call', 'ok', $3, 'api_token', 3, 9)`,
      [tenant.id, new Date(MINUTE).toISOString(), principalId],
    );
    const { handle, counters } = createUsageBatchHandler({ db: db.db, log });
    await handle({
      id: randomUUID(),
      events: [event(tenant.id, { principalId }), event(tenant.id, { principalId })],
    });
    expect(counters).toMatchObject({ batches: 1, events: 2, invalidEvents: 0 });

    const audit = await db.db
      .select({ agent: auditEvents.agent })
      .from(auditEvents)
      .where(eq(auditEvents.tenantId, tenant.id));
    expect(audit).toEqual([{ agent: null }, { agent: null }]);
    const rollups = await rollupsOf(tenant.id);
    expect(rollups).toHaveLength(1);
    expect(rollups[0]).toMatchObject({ agent: '', count: 5, latencyMsSum: 13 });
  });
});
