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
    // A rollup row as it stood before the agent column: inserted without it, so it reads ''. (Its
    // policy decision is that of the batch's `allow`: rows older than that column read '' and stay apart.)
    await db.pool.query(
      `insert into usage_rollups (tenant_id, minute, tool_name, method, status, principal_id, auth_method, policy_decision, count, latency_ms_sum)
       values ($1, $2, 'echo', 'tools/call', 'ok', $3, 'api_token', 'none', 3, 9)`,
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

describe('the usage batch job, the DLP outcome and the policy decision', () => {
  it('writes the DLP outcome and findings by detector on each audit row, null where no guardrail applied', async () => {
    const tenant = await seedTenant(db.db);
    const { handle, counters } = createUsageBatchHandler({ db: db.db, log });
    await handle({
      id: randomUUID(),
      events: [
        event(tenant.id, {
          toolName: 'redacted',
          dlpOutcome: 'redacted',
          dlpFindings: { card: 2, email: 1 },
        }),
        event(tenant.id, { toolName: 'blocked', dlpOutcome: 'blocked', dlpFindings: { secret: 1 } }),
        event(tenant.id, { toolName: 'clean', dlpOutcome: 'none', dlpFindings: null }),
        event(tenant.id, { toolName: 'unguarded' }),
      ],
    });
    expect(counters).toMatchObject({ batches: 1, events: 4, invalidEvents: 0 });

    const audit = await db.db
      .select({
        toolName: auditEvents.toolName,
        dlpOutcome: auditEvents.dlpOutcome,
        dlpFindings: auditEvents.dlpFindings,
      })
      .from(auditEvents)
      .where(eq(auditEvents.tenantId, tenant.id))
      .orderBy(asc(auditEvents.toolName));
    expect(audit).toEqual([
      { toolName: 'blocked', dlpOutcome: 'blocked', dlpFindings: { secret: 1 } },
      { toolName: 'clean', dlpOutcome: 'none', dlpFindings: null },
      { toolName: 'redacted', dlpOutcome: 'redacted', dlpFindings: { card: 2, email: 1 } },
      { toolName: 'unguarded', dlpOutcome: null, dlpFindings: null },
    ]);
  });

  it('rolls up by policy decision and DLP outcome, adding to the row of the same decision and outcome', async () => {
    const tenant = await seedTenant(db.db);
    const { handle } = createUsageBatchHandler({ db: db.db, log });
    const policy = 'c0ffee00-0000-4000-8000-000000000001';
    const batch = (events: UsageEvent[]) => handle({ id: randomUUID(), events });
    await batch([
      event(tenant.id, { policyOutcome: 'allow', dlpOutcome: 'none' }),
      event(tenant.id, { policyOutcome: 'allow', dlpOutcome: 'redacted', dlpFindings: { email: 1 } }),
      event(tenant.id, {
        policyOutcome: `allow:${policy}`,
        dlpOutcome: 'redacted',
        dlpFindings: { card: 1 },
      }),
      event(tenant.id, { policyOutcome: `deny:policy:${policy}`, status: 'denied' }),
      event(tenant.id, { policyOutcome: `deny:declined:${policy}`, status: 'denied' }),
      event(tenant.id, { policyOutcome: `pending_approval:${randomUUID()}`, status: 'denied' }),
      event(tenant.id, { policyOutcome: 'deny:invalid_token', status: 'denied', dlpOutcome: null }),
    ]);
    // A second batch lands on the rows the first wrote (the upsert's key includes both dimensions).
    await batch([
      event(tenant.id, {
        policyOutcome: `allow:${policy}`,
        dlpOutcome: 'redacted',
        dlpFindings: { card: 3 },
      }),
      event(tenant.id, { policyOutcome: `approved:${randomUUID()}`, dlpOutcome: 'blocked' }),
    ]);

    const rollups = await db.db
      .select({
        policyDecision: usageRollups.policyDecision,
        dlpOutcome: usageRollups.dlpOutcome,
        status: usageRollups.status,
        count: usageRollups.count,
      })
      .from(usageRollups)
      .where(eq(usageRollups.tenantId, tenant.id))
      .orderBy(asc(usageRollups.policyDecision), asc(usageRollups.dlpOutcome), asc(usageRollups.status));
    expect(rollups).toEqual([
      // deny:invalid_token is the proxy's refusal, not a policy's decision.
      { policyDecision: '', dlpOutcome: '', status: 'denied', count: 1 },
      { policyDecision: 'allow', dlpOutcome: 'redacted', status: 'ok', count: 2 },
      { policyDecision: 'approval_denied', dlpOutcome: '', status: 'denied', count: 1 },
      { policyDecision: 'approved', dlpOutcome: 'blocked', status: 'ok', count: 1 },
      { policyDecision: 'deny', dlpOutcome: '', status: 'denied', count: 1 },
      { policyDecision: 'none', dlpOutcome: 'none', status: 'ok', count: 1 },
      { policyDecision: 'none', dlpOutcome: 'redacted', status: 'ok', count: 1 },
      { policyDecision: 'pending', dlpOutcome: '', status: 'denied', count: 1 },
    ]);
  });
});
