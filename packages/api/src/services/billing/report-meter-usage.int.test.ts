import { randomBytes } from 'node:crypto';
import type { BillingConfig } from '@toolgate/core/billing-config';
import { createLogger } from '@toolgate/core/logger';
import { tenantBilling, usageRollups } from '@toolgate/db/schema';
import { createTestDatabase, seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { startStripeServer, type StripeServer } from '@toolgate/fixtures/stripe-server';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { meterEventIdentifier, reportMeterUsage } from './report-meter-usage.ts';

const log = createLogger({ name: 'meter-report-test', level: 'silent', pretty: false });
const METER = 'toolgate_tool_calls';
const HOUR = 3_600_000;
const at = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 2, day, hour, minute));

let db: TestDatabase;
let stripeServer: StripeServer;
let billing: BillingConfig;
// The server judges meter timestamps by this clock, the pass is given the same instant.
let clock = at(10, 12, 30).getTime();

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  stripeServer = await startStripeServer({ meters: [{ event_name: METER }], now: () => clock });
  billing = {
    secretKey: stripeServer.secretKey,
    webhookSecret: 'whsec_unused',
    apiUrl: stripeServer.url,
    meterEventName: METER,
    graceDays: 7,
  };
});
// Each case sees only its own tenants: the earlier ones' subscriptions end with their case.
afterEach(async () => {
  await db.db.update(tenantBilling).set({ status: 'canceled' });
});
afterAll(async () => {
  await stripeServer?.close();
  await db?.destroy();
});

const pass = (extra: { maxEvents?: number; billing?: BillingConfig } = {}) =>
  reportMeterUsage({ db: db.db, billing, log, now: new Date(clock), ...extra });

/** A tenant with a Stripe customer and a subscription in `status`, reported through `through`. */
async function meteredTenant(status: string | null = 'active', through: Date | null = at(10, 9)) {
  const tenant = await seedTenant(db.db);
  const customerId = `cus_${randomBytes(8).toString('hex')}`;
  const subscriptionId = `sub_${randomBytes(8).toString('hex')}`;
  await db.db.insert(tenantBilling).values({
    tenantId: tenant.id,
    stripeCustomerId: customerId,
    stripeSubscriptionId: status ? subscriptionId : null,
    status,
    meterReportedThrough: through,
  });
  return { tenantId: tenant.id, customerId, subscriptionId };
}

let toolSerial = 0;
/** One rollup row (a distinct tool name keeps each row its own key). */
async function rollup(tenantId: string, minute: Date, count: number, method = 'tools/call', status = 'ok') {
  await db.db.insert(usageRollups).values({
    tenantId,
    minute,
    toolName: `tool-${++toolSerial}`,
    method,
    status,
    count,
    errors: status === 'ok' ? 0 : count,
  });
}

const eventsOf = (customerId: string) =>
  stripeServer.state.meterEvents
    .filter((e) => e.payload.stripe_customer_id === customerId)
    .map((e) => ({ identifier: e.identifier, value: Number(e.payload.value), timestamp: e.timestamp }));

const totalOf = (customerId: string) => eventsOf(customerId).reduce((sum, e) => sum + e.value, 0);

async function cursorOf(tenantId: string) {
  const [row] = await db.db
    .select({ through: tenantBilling.meterReportedThrough })
    .from(tenantBilling)
    .where(eq(tenantBilling.tenantId, tenantId));
  return row?.through ?? null;
}

const event = (tenantId: string, hour: Date, value: number) => ({
  identifier: meterEventIdentifier(tenantId, hour),
  value,
  timestamp: (hour.getTime() + HOUR) / 1000 - 1,
});

describe('reporting tool calls to the Stripe billing meter', () => {
  it('sends one event per settled hour with the calls that ran, then nothing new', async () => {
    clock = at(10, 12, 30).getTime();
    const { tenantId, customerId } = await meteredTenant();
    await rollup(tenantId, at(10, 8, 59), 50); // before the cursor: reported earlier
    await rollup(tenantId, at(10, 9, 0), 3);
    await rollup(tenantId, at(10, 9, 17), 2, 'tools/call', 'tool_error');
    await rollup(tenantId, at(10, 9, 45), 1, 'tools/call', 'error');
    await rollup(tenantId, at(10, 9, 46), 5, 'tools/call', 'denied'); // refused: never ran
    await rollup(tenantId, at(10, 9, 47), 7, 'tools/list');
    await rollup(tenantId, at(10, 9, 48), 4, 'resources/read');
    await rollup(tenantId, at(10, 11, 59), 4);
    await rollup(tenantId, at(10, 12, 5), 10); // the current hour: not settled yet

    const first = await pass();
    expect(first).toMatchObject({ events: 2, calls: 10, duplicates: 0, failedTenants: 0, capped: false });
    expect(eventsOf(customerId)).toEqual([event(tenantId, at(10, 9), 6), event(tenantId, at(10, 11), 4)]);
    expect(await cursorOf(tenantId)).toEqual(at(10, 12));

    await pass();
    expect(eventsOf(customerId)).toHaveLength(2);

    // 12:00-13:00 settles at 13:10.
    clock = at(10, 13, 9).getTime();
    await pass();
    expect(eventsOf(customerId)).toHaveLength(2);
    clock = at(10, 13, 10).getTime();
    await pass();
    expect(eventsOf(customerId)).toEqual([
      event(tenantId, at(10, 9), 6),
      event(tenantId, at(10, 11), 4),
      event(tenantId, at(10, 12), 10),
    ]);
    expect(await cursorOf(tenantId)).toEqual(at(10, 13));
  });

  it('keeps tenants apart and bills only metered subscriptions', async () => {
    clock = at(11, 12, 30).getTime();
    const a = await meteredTenant('active', at(11, 9));
    const b = await meteredTenant('past_due', at(11, 9));
    const trial = await meteredTenant('trialing', at(11, 9));
    const canceled = await meteredTenant('canceled', at(11, 9));
    const noSubscription = await meteredTenant(null, at(11, 9));
    const unbilled = await seedTenant(db.db); // no Stripe customer at all
    for (const t of [a, b, trial, canceled, noSubscription]) await rollup(t.tenantId, at(11, 10, 30), 1);
    await rollup(a.tenantId, at(11, 10, 31), 20);
    await rollup(b.tenantId, at(11, 10, 31), 300);
    await rollup(unbilled.id, at(11, 10, 31), 4000);

    await pass();
    expect(eventsOf(a.customerId)).toEqual([event(a.tenantId, at(11, 10), 21)]);
    expect(eventsOf(b.customerId)).toEqual([event(b.tenantId, at(11, 10), 301)]);
    expect(eventsOf(trial.customerId)).toEqual([event(trial.tenantId, at(11, 10), 1)]);
    expect(eventsOf(canceled.customerId)).toEqual([]);
    expect(eventsOf(noSubscription.customerId)).toEqual([]);
    expect(await cursorOf(canceled.tenantId)).toEqual(at(11, 9));
    expect(stripeServer.state.meterEvents.some((e) => e.identifier.includes(unbilled.id))).toBe(false);
  });

  it('advances nothing during an outage and catches up afterwards', async () => {
    clock = at(12, 12, 30).getTime();
    const { tenantId, customerId } = await meteredTenant('active', at(12, 8));
    await rollup(tenantId, at(12, 8, 10), 2);
    await rollup(tenantId, at(12, 10, 10), 3);

    stripeServer.down(true);
    try {
      const during = await pass();
      expect(during).toMatchObject({ events: 0, failedTenants: 1 });
    } finally {
      stripeServer.down(false);
    }
    expect(eventsOf(customerId)).toEqual([]);
    expect(await cursorOf(tenantId)).toEqual(at(12, 8));

    clock = at(12, 14, 30).getTime();
    await rollup(tenantId, at(12, 13, 10), 4);
    const after = await pass();
    expect(after.failedTenants).toBe(0);
    expect(eventsOf(customerId)).toEqual([
      event(tenantId, at(12, 8), 2),
      event(tenantId, at(12, 10), 3),
      event(tenantId, at(12, 13), 4),
    ]);
    expect(await cursorOf(tenantId)).toEqual(at(12, 14));
  });

  it('never counts twice when a pass sent events but did not record them', async () => {
    clock = at(13, 12, 30).getTime();
    const { tenantId, customerId } = await meteredTenant('active', at(13, 6));
    for (const [hour, count] of [
      [6, 5],
      [7, 6],
      [9, 7],
      [11, 8],
    ] as const)
      await rollup(tenantId, at(13, hour, 20), count);

    // A capped pass stops part way; the cursor stays after the last accepted hour.
    const capped = await pass({ maxEvents: 2 });
    expect(capped).toMatchObject({ events: 2, capped: true });
    expect(await cursorOf(tenantId)).toEqual(at(13, 8));

    // As if a pass died after Stripe accepted its events but before the cursor moved.
    await db.db
      .update(tenantBilling)
      .set({ meterReportedThrough: at(13, 6) })
      .where(eq(tenantBilling.tenantId, tenantId));
    const resend = await pass();
    expect(resend).toMatchObject({ events: 4, duplicates: 2, failedTenants: 0 });
    expect(totalOf(customerId)).toBe(5 + 6 + 7 + 8);
    expect(eventsOf(customerId).map((e) => e.identifier)).toEqual(
      [6, 7, 9, 11].map((hour) => meterEventIdentifier(tenantId, at(13, hour))),
    );
    expect(await cursorOf(tenantId)).toEqual(at(13, 12));
  });

  it('counts each call once when two workers run a pass at the same time', async () => {
    clock = at(15, 12, 30).getTime();
    const { tenantId, customerId } = await meteredTenant('active', at(15, 0));
    for (let hour = 0; hour < 12; hour++) await rollup(tenantId, at(15, hour, 30), hour + 1);

    const [one, two] = await Promise.all([pass(), pass()]);
    expect(one.failedTenants + two.failedTenants).toBe(0);
    expect(totalOf(customerId)).toBe(78); // 1 + 2 + … + 12
    expect(eventsOf(customerId)).toHaveLength(12);
    expect(await cursorOf(tenantId)).toEqual(at(15, 12));
  });

  it('stops a tenant at its Stripe error without holding up the others', async () => {
    clock = at(17, 12, 30).getTime();
    // Never reported, and a subscription Stripe does not know: asking for its start fails.
    const broken = await meteredTenant('active', null);
    const fine = await meteredTenant('active', at(17, 9));
    await rollup(broken.tenantId, at(17, 10, 0), 5);
    await rollup(fine.tenantId, at(17, 10, 0), 6);

    const result = await pass();
    expect(result.failedTenants).toBe(1);
    expect(eventsOf(broken.customerId)).toEqual([]);
    expect(await cursorOf(broken.tenantId)).toBeNull();
    expect(eventsOf(fine.customerId)).toEqual([event(fine.tenantId, at(17, 10), 6)]);
  });

  it('starts at the subscription start when nothing was reported yet', async () => {
    clock = at(14, 12, 30).getTime();
    const { tenantId, customerId, subscriptionId } = await meteredTenant('active', null);
    stripeServer.state.subscriptions.set(subscriptionId, {
      id: subscriptionId,
      object: 'subscription',
      billing_cycle_anchor: at(14, 10, 20).getTime() / 1000,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      collection_method: 'charge_automatically',
      created: at(14, 10, 20).getTime() / 1000,
      currency: 'usd',
      customer: customerId,
      ended_at: null,
      items: { object: 'list', data: [], has_more: false, url: '/v1/subscription_items' },
      latest_invoice: null,
      livemode: false,
      metadata: {},
      start_date: at(14, 10, 20).getTime() / 1000,
      status: 'active',
      trial_end: null,
      trial_start: null,
    });
    await rollup(tenantId, at(14, 10, 19), 9); // before the subscription: the free plan's
    await rollup(tenantId, at(14, 10, 20), 2);
    await rollup(tenantId, at(14, 11, 0), 3);

    await pass();
    expect(eventsOf(customerId)).toEqual([event(tenantId, at(14, 10), 2), event(tenantId, at(14, 11), 3)]);
    expect(await cursorOf(tenantId)).toEqual(at(14, 12));
  });

  it("skips hours older than Stripe's 35-day window and reports the rest", async () => {
    clock = at(25, 12, 30).getTime();
    const { tenantId, customerId } = await meteredTenant(
      'active',
      new Date(at(25, 0).getTime() - 40 * 24 * HOUR),
    );
    const old = new Date(at(25, 0).getTime() - 38 * 24 * HOUR);
    await rollup(tenantId, old, 11);
    await rollup(tenantId, at(25, 9, 15), 1);

    const result = await pass();
    expect(result).toMatchObject({ events: 1, skippedHours: 1, failedTenants: 0 });
    expect(eventsOf(customerId)).toEqual([event(tenantId, at(25, 9), 1)]);
    expect(await cursorOf(tenantId)).toEqual(at(25, 12));
  });

  it('reports nothing without a meter event name', async () => {
    clock = at(16, 12, 30).getTime();
    const { tenantId, customerId } = await meteredTenant('active', at(16, 9));
    await rollup(tenantId, at(16, 9, 30), 5);
    const { meterEventName: _unset, ...withoutMeter } = billing;
    const result = await pass({ billing: withoutMeter });
    expect(result).toMatchObject({ tenants: 0, events: 0 });
    expect(eventsOf(customerId)).toEqual([]);
    expect(await cursorOf(tenantId)).toEqual(at(16, 9));
  });
});
