import { createOutboxMailer } from '@toolgate/api/testing/outbox-mailer';
import { createBus, type Bus, type InvalidationMessage } from '@toolgate/bus';
import type { BillingConfig } from '@toolgate/core/billing-config';
import { createLogger } from '@toolgate/core/logger';
import { DEFAULT_PLANS_CONFIG } from '@toolgate/core/plans';
import { auditEvents, tenantBilling, tenants } from '@toolgate/db/schema';
import { createTestDatabase, seedGateway, seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createGraceSweep } from './grace-sweep.ts';

const log = createLogger({ name: 'worker-grace-sweep-test', level: 'silent', pretty: false });
const billing: BillingConfig = { secretKey: 'sk_test_x', webhookSecret: 'whsec_x', graceDays: 7 };
const DAY = 24 * 60 * 60 * 1000;

let db: TestDatabase;
let bus: Bus;
beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  bus = createBus({});
});
afterAll(async () => {
  await bus?.close();
  await db?.destroy();
});

const sweep = (withBilling = true) =>
  createGraceSweep({
    db: db.db,
    bus,
    log,
    mailer: createOutboxMailer(),
    plans: DEFAULT_PLANS_CONFIG,
    ...(withBilling ? { billing } : {}),
    publicWebUrl: 'http://web.test',
    intervalMs: 0,
  });

/** A tenant on the team plan whose subscription went past_due; its grace ends at `graceEndsAt`. */
async function pastDueTenant(graceEndsAt: Date) {
  const tenant = await seedTenant(db.db, { plan: 'team' });
  await seedGateway(db.db, tenant.id);
  await db.db.insert(tenantBilling).values({
    tenantId: tenant.id,
    stripeCustomerId: `cus_${tenant.id}`,
    stripeSubscriptionId: `sub_${tenant.id}`,
    status: 'past_due',
    plan: 'team',
    graceEndsAt,
  });
  return { tenant };
}

const planOf = async (tenantId: string) =>
  (await db.db.select({ plan: tenants.plan }).from(tenants).where(eq(tenants.id, tenantId)))[0]!.plan;

describe('grace sweep', () => {
  it('moves a past_due tenant to the free plan once its grace ends, tells proxies, audits, once', async () => {
    const graceEndsAt = new Date(Date.now() + 3 * DAY);
    const { tenant } = await pastDueTenant(graceEndsAt);
    const other = await pastDueTenant(new Date(Date.now() + 10 * DAY));
    const seen: InvalidationMessage[] = [];
    await bus.invalidations.subscribe((m) => seen.push(m));
    const job = sweep();

    await job.runOnce(new Date(graceEndsAt.getTime() - 1000));
    expect(await planOf(tenant.id)).toBe('team');

    const result = await job.runOnce(new Date(graceEndsAt.getTime() + 1000));
    expect(result.ended).toEqual([tenant.id]);
    expect(await planOf(tenant.id)).toBeNull();
    expect(await planOf(other.tenant.id)).toBe('team');
    // Every proxy drops what it holds of the tenant (its gateways' snapshots included).
    const [row] = await db.db
      .select({ configVersion: tenants.configVersion })
      .from(tenants)
      .where(eq(tenants.id, tenant.id));
    await eventually(() =>
      expect(seen).toContainEqual({
        kind: 'tenant',
        tenantId: tenant.id,
        reason: 'plan changed (billing)',
        version: row!.configVersion,
      }),
    );
    expect(seen.some((m) => m.tenantId === other.tenant.id)).toBe(false);
    const audits = await db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, tenant.id), eq(auditEvents.method, 'billing/subscription')));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ principalId: 'system:grace-sweep' });

    expect((await job.runOnce(new Date(graceEndsAt.getTime() + 2000))).ended).toEqual([]);
  });

  it('does nothing when Stripe billing is off', async () => {
    const { tenant } = await pastDueTenant(new Date(Date.now() - DAY));
    expect((await sweep(false).runOnce()).ended).toEqual([]);
    expect(await planOf(tenant.id)).toBe('team');
  });
});
