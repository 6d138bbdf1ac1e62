import { stripeEvents, tenantBilling, tenants } from '@toolgate/db/schema';
import { createTestDatabase, seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { endGracePeriods } from './end-grace-periods.ts';
import {
  deliver,
  deliverAll,
  eventsSince,
  startWebhookWorld,
  stored,
  subscribe,
  testPlans,
  type WebhookWorld,
} from './testing/webhook-world.ts';
import { handleStripeWebhook } from './webhooks.ts';

let db: TestDatabase;
let world: WebhookWorld;
beforeAll(async () => {
  [db, world] = await Promise.all([createTestDatabase(inject('postgresUrl')), startWebhookWorld()]);
});
afterAll(async () => {
  await world?.close();
  await db?.destroy();
});

const DAY = 24 * 60 * 60 * 1000;
const byType = (events: Stripe.Event[], type: string) => events.find((e) => e.type === type)!;
const recordedEvents = async (id: string) => db.db.select().from(stripeEvents).where(eq(stripeEvents.id, id));

describe('Stripe webhook signature', () => {
  it('refuses a missing, wrong or stale signature and a changed body, applying nothing', async () => {
    const tenant = await seedTenant(db.db);
    const { events } = await subscribe(world, db, tenant.id);
    const event = byType(events, 'customer.subscription.created');
    const payload = JSON.stringify(event);
    const call = (body: string, signature: string | undefined) =>
      handleStripeWebhook({ db: db.db, plans: testPlans, billing: world.billing, payload: body, signature });

    expect(await call(payload, undefined)).toEqual({
      status: 400,
      message: 'Missing Stripe-Signature header',
    });
    const wrong = await call(payload, world.sign(payload, { secret: 'whsec_someone_else' }));
    expect(wrong.status).toBe(400);
    expect(wrong.status === 400 && wrong.message).toMatch(/signature verification failed/i);
    const stale = await call(
      payload,
      world.sign(payload, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
    );
    expect(stale.status === 400 && stale.message).toMatch(/tolerance/i);
    const changed = payload.replace('"active"', '"canceled"');
    expect(changed).not.toBe(payload);
    expect(await call(changed, world.sign(payload))).toMatchObject({ status: 400 });

    expect(await recordedEvents(event.id)).toEqual([]);
    expect((await stored(db, tenant.id)).plan).toBeNull();
    // The same event, correctly signed, is applied: the refusals were about the signature alone.
    expect(await call(payload, world.sign(payload))).toMatchObject({ status: 200, outcome: 'applied' });
    expect((await stored(db, tenant.id)).plan).toBe('team');
  });
});

describe('Stripe webhook events', () => {
  it('puts a tenant that paid at Checkout on the plan of its price, told to proxies and audited', async () => {
    const tenant = await seedTenant(db.db);
    const { events, subscriptionId, customerId } = await subscribe(world, db, tenant.id);
    const outcomes = await deliverAll(world, db, events);
    expect(outcomes.map((o) => o.status === 200 && o.outcome)).toEqual(['applied', 'applied', 'applied']);
    const after = await stored(db, tenant.id);
    expect(after.plan).toBe('team');
    expect(after.billing).toMatchObject({
      stripeCustomerId: customerId,
      stripeSubscriptionId: subscriptionId,
      status: 'active',
      plan: 'team',
      priceId: 'price_team_monthly',
      graceEndsAt: null,
    });
    expect(after.billing!.currentPeriodEnd!.getTime()).toBeGreaterThan(Date.now() + 20 * DAY);
    // One plan change, one tenant-wide configuration change for the proxies, one audit event.
    expect(after.planChanges).toHaveLength(1);
    expect(after.planChanges[0]!.change).toMatchObject({ tenantId: tenant.id, tenantWide: true });
    expect(after.audits).toHaveLength(1);
    expect(after.audits[0]).toMatchObject({
      principalType: 'stripe',
      principalId: `stripe:${events[0]!.id}`,
      response: { before: { status: null, plan: null }, after: { status: 'active', plan: 'team' } },
    });
    expect(after.events.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
  });

  it('links the customer of a checkout naming a tenant that has none stored yet', async () => {
    const tenant = await seedTenant(db.db);
    const { events, customerId } = await subscribe(world, db, tenant.id, { linked: false });
    // Before the checkout event, the customer is no tenant's: acknowledged, nothing done.
    expect(await deliver(world, db, byType(events, 'invoice.paid'))).toMatchObject({
      status: 200,
      outcome: 'unknown-customer',
    });
    await deliver(world, db, byType(events, 'checkout.session.completed'));
    const after = await stored(db, tenant.id);
    expect(after.billing).toMatchObject({ stripeCustomerId: customerId, status: 'active' });
    expect(after.plan).toBe('team');
  });

  it('applies each event id once, also when deliveries race', async () => {
    const tenant = await seedTenant(db.db);
    const { events } = await subscribe(world, db, tenant.id);
    const created = byType(events, 'customer.subscription.created');
    const results = await Promise.all([1, 2, 3].map(() => deliver(world, db, created)));
    const outcomes = results.map((r) => (r.status === 200 ? r.outcome : r.message)).sort();
    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate']);
    expect(await deliver(world, db, created)).toMatchObject({ status: 200, outcome: 'duplicate' });
    const after = await stored(db, tenant.id);
    expect(after.audits).toHaveLength(1);
    expect(after.planChanges).toHaveLength(1);
    expect(await recordedEvents(created.id)).toHaveLength(1);
  });

  it('acknowledges and records event types it does not act on', async () => {
    const event = {
      id: `evt_other_${Date.now()}`,
      object: 'event',
      api_version: '2026-11-18.endive',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'cus_someone', object: 'customer' } },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'customer.created',
    };
    const result = await deliver(world, db, event as unknown as Stripe.Event);
    expect(result).toMatchObject({ status: 200, outcome: 'ignored' });
    expect(await recordedEvents(event.id)).toHaveLength(1);
  });

  it('acknowledges events about a customer no tenant has', async () => {
    const stranger = await world.stripe.customers.create({});
    const tenant = await seedTenant(db.db);
    // The subscription is paid by a customer Toolgate never stored (a checkout made elsewhere).
    const { events } = await subscribe(world, db, tenant.id, { customerId: stranger.id });
    const result = await deliver(world, db, byType(events, 'customer.subscription.created'));
    expect(result).toMatchObject({ status: 200, outcome: 'unknown-customer' });
    expect((await stored(db, tenant.id)).plan).toBeNull();
  });
});

describe('out-of-order delivery', () => {
  it('ends canceled when the deletion arrives before the creation', async () => {
    const tenant = await seedTenant(db.db);
    const { events, subscriptionId } = await subscribe(world, db, tenant.id);
    const mark = world.server.events.length;
    await world.server.cancel(subscriptionId);
    const [deleted] = eventsSince(world, mark);
    await deliver(world, db, deleted!);
    await deliverAll(world, db, [...events].reverse());
    const after = await stored(db, tenant.id);
    expect(after.billing).toMatchObject({ status: 'canceled', stripeSubscriptionId: subscriptionId });
    expect(after.plan).toBeNull();
  });

  it("ends in Stripe's current state whichever of a failure and its recovery comes first", async () => {
    const tenant = await seedTenant(db.db);
    const { events, subscriptionId } = await subscribe(world, db, tenant.id);
    const mark = world.server.events.length;
    await world.server.failPayment(subscriptionId);
    await world.server.recoverPayment(subscriptionId);
    const later = eventsSince(world, mark);
    // The recovery's invoice.paid first, then the failure, then the checkout's own events.
    const paid = later.filter((e) => e.type === 'invoice.paid');
    await deliverAll(world, db, [...paid, byType(later, 'invoice.payment_failed'), ...events]);
    const after = await stored(db, tenant.id);
    expect(after.billing).toMatchObject({ status: 'active', graceEndsAt: null });
    expect(after.plan).toBe('team');
  });

  it('stays past_due when the checkout invoice.paid arrives after a later payment failure', async () => {
    const tenant = await seedTenant(db.db);
    const { events, subscriptionId } = await subscribe(world, db, tenant.id);
    const mark = world.server.events.length;
    await world.server.failPayment(subscriptionId);
    await deliverAll(world, db, [...eventsSince(world, mark), ...events]);
    const after = await stored(db, tenant.id);
    expect(after.billing).toMatchObject({ status: 'past_due' });
    expect(after.plan).toBe('team');
  });

  it('ignores a late report that an old subscription ended once the tenant has a new one', async () => {
    const tenant = await seedTenant(db.db);
    const first = await subscribe(world, db, tenant.id);
    const mark = world.server.events.length;
    await world.server.cancel(first.subscriptionId);
    const [deleted] = eventsSince(world, mark);
    await deliverAll(world, db, first.events);
    const second = await subscribe(world, db, tenant.id, { customerId: first.customerId });
    await deliverAll(world, db, second.events);
    expect(await deliver(world, db, deleted!)).toMatchObject({ status: 200, outcome: 'stale' });
    const after = await stored(db, tenant.id);
    expect(after.billing).toMatchObject({ stripeSubscriptionId: second.subscriptionId, status: 'active' });
    expect(after.plan).toBe('team');
  });
});

describe('payment failure and the grace period', () => {
  it('keeps the plan while past_due, drops to the free plan when grace ends, and recovers', async () => {
    const tenant = await seedTenant(db.db);
    const { events, subscriptionId } = await subscribe(world, db, tenant.id);
    await deliverAll(world, db, events);
    const failedAt = new Date();
    const mark = world.server.events.length;
    await world.server.failPayment(subscriptionId);
    const failure = eventsSince(world, mark);
    await deliver(world, db, failure[0]!, failedAt);
    let state = await stored(db, tenant.id);
    expect(state.billing).toMatchObject({
      status: 'past_due',
      graceEndsAt: new Date(failedAt.getTime() + 7 * DAY),
    });
    expect(state.plan).toBe('team');
    // A later past_due report leaves the grace period where it started.
    await deliver(world, db, failure[1]!, new Date(failedAt.getTime() + 2 * DAY));
    state = await stored(db, tenant.id);
    expect(state.billing!.graceEndsAt).toEqual(new Date(failedAt.getTime() + 7 * DAY));

    const changesBefore = state.planChanges.length;
    const graceEnds = state.billing!.graceEndsAt!;
    const early = await endGracePeriods({ db: db.db, now: new Date(graceEnds.getTime() - 1000) });
    expect(early.ended).not.toContain(tenant.id);
    expect((await stored(db, tenant.id)).plan).toBe('team');

    const swept = await endGracePeriods({ db: db.db, now: new Date(graceEnds.getTime() + 1000) });
    expect(swept.ended).toContain(tenant.id);
    state = await stored(db, tenant.id);
    expect(state.plan).toBeNull();
    expect(state.billing!.status).toBe('past_due');
    // Proxies learn of it: a tenant-wide configuration change recorded with the plan change.
    expect(state.planChanges).toHaveLength(changesBefore + 1);
    expect(state.audits.at(-1)).toMatchObject({
      principalType: 'system',
      response: { before: { plan: 'team' }, after: { plan: null } },
    });
    // Idempotent: a second pass finds nothing to do.
    const again = await endGracePeriods({ db: db.db, now: new Date(graceEnds.getTime() + 2000) });
    expect(again.ended).not.toContain(tenant.id);
    expect((await stored(db, tenant.id)).planChanges).toHaveLength(changesBefore + 1);

    const recoveredMark = world.server.events.length;
    await world.server.recoverPayment(subscriptionId);
    await deliverAll(world, db, eventsSince(world, recoveredMark));
    state = await stored(db, tenant.id);
    expect(state.billing).toMatchObject({ status: 'active', graceEndsAt: null });
    expect(state.plan).toBe('team');
  });

  it('drops to the free plan at once when a past_due report arrives after grace ended', async () => {
    const tenant = await seedTenant(db.db);
    const { events, subscriptionId } = await subscribe(world, db, tenant.id);
    await deliverAll(world, db, events);
    const mark = world.server.events.length;
    await world.server.failPayment(subscriptionId);
    const [failed, updated] = eventsSince(world, mark);
    const failedAt = new Date();
    await deliver(world, db, failed!, failedAt);
    await deliver(world, db, updated!, new Date(failedAt.getTime() + 8 * DAY));
    expect((await stored(db, tenant.id)).plan).toBeNull();
  });

  it('drops to the free plan at once on cancellation', async () => {
    const tenant = await seedTenant(db.db);
    const { events, subscriptionId } = await subscribe(world, db, tenant.id);
    await deliverAll(world, db, events);
    const mark = world.server.events.length;
    await world.server.cancel(subscriptionId);
    await deliverAll(world, db, eventsSince(world, mark));
    const after = await stored(db, tenant.id);
    expect(after.plan).toBeNull();
    expect(after.billing).toMatchObject({ status: 'canceled', graceEndsAt: null });
  });
});

describe('tenant isolation', () => {
  it("never touches another tenant: events name A's customer, a checkout names B with A's customer", async () => {
    const [a, b] = [await seedTenant(db.db), await seedTenant(db.db)];
    const other = await subscribe(world, db, b.id);
    await deliverAll(world, db, other.events);
    const bBefore = await stored(db, b.id);

    const ofA = await subscribe(world, db, a.id);
    await deliverAll(world, db, ofA.events);
    const mark = world.server.events.length;
    await world.server.cancel(ofA.subscriptionId);
    await deliverAll(world, db, eventsSince(world, mark));
    expect((await stored(db, a.id)).billing).toMatchObject({ status: 'canceled' });

    // A checkout session for B paid with A's customer: refused, B keeps its own customer and plan.
    const forged = await subscribe(world, db, b.id, { customerId: ofA.customerId });
    const completed = byType(forged.events, 'checkout.session.completed');
    expect(await deliver(world, db, completed)).toMatchObject({ status: 200, outcome: 'refused' });
    const bAfter = await stored(db, b.id);
    expect(bAfter.plan).toBe('team');
    expect(bAfter.billing).toEqual(bBefore.billing);
    expect(bAfter.audits).toHaveLength(bBefore.audits.length);
    const [rowOfB] = await db.db.select().from(tenantBilling).where(eq(tenantBilling.tenantId, b.id));
    expect(rowOfB!.stripeCustomerId).toBe(other.customerId);
    const [tenantB] = await db.db.select().from(tenants).where(eq(tenants.id, b.id));
    expect(tenantB!.configVersion).toBe(bBefore.configVersion);
  });
});
