import { randomUUID } from 'node:crypto';
import { LATENCY_BUCKET_COUNT, type UsageEvent } from '@toolgate/core/usage';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditEvents, processedUsageBatches, usageRollups } from './schema/index.ts';
import { createTestDatabase, seedTenant, type TestDatabase } from './testing/index.ts';
import {
  applyUsageBatch,
  auditRetentionDays,
  expireAuditEvents,
  expireProcessedBatches,
  expireUsageRollups,
} from './usage.ts';

const DAY = 86_400_000;

function event(tenantId: string, overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    at: Date.now(),
    tenantId,
    gatewayId: randomUUID(),
    requestId: randomUUID(),
    traceId: randomUUID().replaceAll('-', ''),
    principalType: 'token',
    principalId: `token:${randomUUID()}`,
    authMethod: 'api_token',
    sessionId: 'sid-1',
    method: 'tools/call',
    toolName: 'echo',
    installationId: randomUUID(),
    status: 'ok',
    errorCode: null,
    latencyMs: 3.25,
    requestBytes: 100,
    responseBytes: 200,
    policyOutcome: 'allow',
    request: { message: 'hi' },
    response: { content: [{ type: 'text', text: 'hi' }] },
    ...overrides,
  };
}

// The same repository against real Postgres (when the run has one) and embedded PGlite.
const backends = [
  ['postgres', inject('postgresUrl')],
  ['embedded PGlite', ''],
].filter(([name, url]) => name === 'embedded PGlite' || url) as [string, string][];

describe.each(backends)('usage persistence on %s', (_name, url) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(url);
  });
  afterAll(async () => db?.destroy());

  const auditCount = async (tenantId: string) =>
    (await db.db.select().from(auditEvents).where(eq(auditEvents.tenantId, tenantId))).length;

  it('applies a batch once: audit rows, rollups aggregated per key, and nothing on redelivery', async () => {
    const tenant = await seedTenant(db.db);
    const gatewayId = randomUUID();
    const installationId = randomUUID();
    const principalId = `token:${randomUUID()}`;
    const base = { gatewayId, installationId, principalId, at: Date.UTC(2026, 0, 1, 12, 0, 30) };
    const events = [
      event(tenant.id, { ...base, latencyMs: 0.3 }),
      event(tenant.id, { ...base, latencyMs: 7 }),
      event(tenant.id, { ...base, status: 'tool_error', latencyMs: 120 }),
      event(tenant.id, { ...base, method: 'x/made-up', toolName: null, status: 'error', errorCode: -32601 }),
      event(tenant.id, { ...base, at: base.at + 60_000 }),
    ];
    const batch = { id: randomUUID(), events };
    expect(await applyUsageBatch(db.db, batch)).toEqual({ applied: true, events: 5, rollups: 4 });
    expect(await applyUsageBatch(db.db, batch)).toEqual({ applied: false, events: 0, rollups: 0 });
    expect(await auditCount(tenant.id)).toBe(5);

    const rollups = await db.db.select().from(usageRollups).where(eq(usageRollups.tenantId, tenant.id));
    expect(rollups.reduce((n, r) => n + r.count, 0)).toBe(5);
    const ok = rollups.find((r) => r.status === 'ok' && r.minute.getTime() === Date.UTC(2026, 0, 1, 12, 0))!;
    expect(ok).toMatchObject({
      count: 2,
      errors: 0,
      gatewayId,
      installationId,
      toolName: 'echo',
      method: 'tools/call',
      principalId,
      authMethod: 'api_token',
      requestBytes: 200,
      responseBytes: 400,
    });
    expect(ok.latencyMsSum).toBeCloseTo(7.3);
    expect(ok.latencyBuckets).toHaveLength(LATENCY_BUCKET_COUNT);
    expect(ok.latencyBuckets[0]).toBe(1); // 0.3 ms ≤ 0.5
    expect(ok.latencyBuckets[4]).toBe(1); // 7 ms ≤ 10
    expect(rollups.find((r) => r.status === 'error')).toMatchObject({
      method: 'other',
      toolName: '',
      errors: 1,
    });

    // A second batch for the same minute adds to the same rows, bucket by bucket.
    await applyUsageBatch(db.db, {
      id: randomUUID(),
      events: [event(tenant.id, { ...base, latencyMs: 0.2 })],
    });
    const [again] = await db.db
      .select()
      .from(usageRollups)
      .where(
        sql`${usageRollups.tenantId} = ${tenant.id} and ${usageRollups.status} = 'ok' and ${usageRollups.minute} = ${new Date(Date.UTC(2026, 0, 1, 12, 0)).toISOString()}`,
      );
    expect(again).toMatchObject({ count: 3, requestBytes: 300 });
    expect(again!.latencyBuckets[0]).toBe(2);
    expect(again!.latencyBuckets[4]).toBe(1);
  });

  it('stores what the database would refuse (NUL, lone surrogates) instead of failing the batch', async () => {
    const tenant = await seedTenant(db.db);
    const batch = {
      id: randomUUID(),
      events: [event(tenant.id, { method: 'bad\u0000method', request: { text: 'a\u0000b\ud800c' } })],
    };
    expect((await applyUsageBatch(db.db, batch)).events).toBe(1);
    const [row] = await db.db.select().from(auditEvents).where(eq(auditEvents.tenantId, tenant.id));
    expect(row!.method).toBe('bad\uFFFDmethod');
    expect(row!.request).toEqual({ text: 'a\uFFFDb\uFFFDc' });
  });

  it('skips the events of a tenant deleted since they were recorded', async () => {
    const [kept, gone] = [await seedTenant(db.db), await seedTenant(db.db)];
    await db.pool.query('delete from tenants where id = $1', [gone.id]);
    const result = await applyUsageBatch(db.db, {
      id: randomUUID(),
      events: [event(kept.id), event(gone.id), event(kept.id)],
    });
    expect(result).toMatchObject({ applied: true, events: 2 });
    expect(await auditCount(kept.id)).toBe(2);
  });

  it('expires audit events by each tenant retention, in chunks, and old rollups and batch ids', async () => {
    const now = new Date();
    const short = await seedTenant(db.db, { settings: { auditRetentionDays: 7 } });
    const standard = await seedTenant(db.db);
    const at = (days: number) => now.getTime() - days * DAY;
    for (const tenant of [short, standard]) {
      await applyUsageBatch(db.db, {
        id: randomUUID(),
        events: [3, 10, 10, 10, 40, 400].map((days) => event(tenant.id, { at: at(days) })),
      });
    }
    await db.db
      .insert(processedUsageBatches)
      .values({ batchId: `old-${randomUUID()}`, processedAt: new Date(at(30)) });

    await expireAuditEvents(db.db, { now, chunkSize: 2 });
    expect(await auditCount(short.id)).toBe(1); // only the 3-day-old event
    expect(await auditCount(standard.id)).toBe(4); // 30-day default: 3 and 10 days old
    const rollupsGone = await expireUsageRollups(db.db, new Date(at(399)));
    expect(rollupsGone).toBe(2); // the 400-day-old minute of each tenant
    expect(await expireProcessedBatches(db.db, new Date(at(7)))).toBeGreaterThanOrEqual(1);
    expect(
      (await db.db.select().from(processedUsageBatches)).every((b) => b.processedAt.getTime() > at(7)),
    ).toBe(true);
  });

  it('reads a retention setting defensively', () => {
    expect(auditRetentionDays(7)).toBe(7);
    expect(auditRetentionDays('14')).toBe(14);
    expect(auditRetentionDays(undefined)).toBe(30);
    expect(auditRetentionDays(-1)).toBe(30);
    expect(auditRetentionDays('x', 12)).toBe(12);
  });
});
