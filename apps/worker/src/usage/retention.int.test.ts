import { randomUUID } from 'node:crypto';
import { createLogger } from '@toolgate/core/logger';
import { parsePlansConfig } from '@toolgate/core/plans';
import { auditEvents } from '@toolgate/db/schema';
import { createTestDatabase, seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRetention } from './retention.ts';

const log = createLogger({ name: 'retention-test', level: 'silent', pretty: false });
const DAY = 86_400_000;
const NOW = new Date(Date.UTC(2026, 5, 15, 12));

const plans = parsePlansConfig(
  JSON.stringify({
    plans: {
      short: { title: 'Short', limits: { auditRetentionDays: 7 } },
      long: { title: 'Long', limits: { auditRetentionDays: 90 } },
    },
  }),
  'test plans',
);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await db?.destroy();
});

/** One audit event per age (days before NOW). */
async function seedEvents(tenantId: string, ages: number[]) {
  await db.db.insert(auditEvents).values(
    ages.map((age) => ({
      id: randomUUID(),
      tenantId,
      occurredAt: new Date(NOW.getTime() - age * DAY),
      principalType: 'token' as const,
      principalId: `token:${randomUUID()}`,
      method: 'tools/call',
      status: 'ok' as const,
    })),
  );
}
const agesOf = async (tenantId: string) =>
  (
    await db.db
      .select({ at: auditEvents.occurredAt })
      .from(auditEvents)
      .where(eq(auditEvents.tenantId, tenantId))
      .orderBy(asc(auditEvents.occurredAt))
  )
    .map((r) => Math.round((NOW.getTime() - r.at.getTime()) / DAY))
    .reverse();

const retention = (withPlans: boolean) =>
  createRetention({
    db: db.db,
    log,
    intervalMs: 3_600_000,
    defaultAuditDays: 30,
    rollupDays: 400,
    batchIdHours: 48,
    ...(withPlans ? { plans } : {}),
  });

describe('audit retention under plans', () => {
  it("keeps each tenant's events for the shorter of its setting and its plan's limit", async () => {
    const ages = [1, 5, 10, 20, 45, 100];
    // A plan shorter than the setting (60 days → 7), and shorter than the default (30 → 7).
    const capped = await seedTenant(db.db, { plan: 'short', settings: { auditRetentionDays: 60 } });
    const cappedDefault = await seedTenant(db.db, { plan: 'short' });
    // A plan longer than the setting: the setting stands (it is the tenant's choice).
    const own = await seedTenant(db.db, { plan: 'long', settings: { auditRetentionDays: 14 } });
    // An operator override over the plan: 3 days.
    const overridden = await seedTenant(db.db, { plan: 'long', limitOverrides: { auditRetentionDays: 3 } });
    // The default (unlimited) plan: the default retention.
    const unlimited = await seedTenant(db.db);
    for (const t of [capped, cappedDefault, own, overridden, unlimited]) await seedEvents(t.id, ages);

    await retention(true).runOnce(NOW);

    expect(await agesOf(capped.id)).toEqual([1, 5]);
    expect(await agesOf(cappedDefault.id)).toEqual([1, 5]);
    expect(await agesOf(own.id)).toEqual([1, 5, 10]);
    expect(await agesOf(overridden.id)).toEqual([1]);
    expect(await agesOf(unlimited.id)).toEqual([1, 5, 10, 20]);
  });

  it('without plans configured, applies the settings alone', async () => {
    const tenant = await seedTenant(db.db, { plan: 'short', settings: { auditRetentionDays: 60 } });
    await seedEvents(tenant.id, [1, 10, 45, 100]);
    await retention(false).runOnce(NOW);
    expect(await agesOf(tenant.id)).toEqual([1, 10, 45]);
  });
});
