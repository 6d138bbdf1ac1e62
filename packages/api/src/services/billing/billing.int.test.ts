import { auditEvents, tenantBilling, usageRollups } from '@toolgate/db/schema';
import type { StripeServer } from '@toolgate/fixtures/stripe-server';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createApiTestEnv,
  failureOf,
  seedOrg,
  type ApiTestEnv,
  type SeededOrg,
} from '../../testing/api-test-env.ts';
import { getBillingOverview } from './billing-overview.ts';
import {
  billingConfigOf,
  billingPlans,
  startBillingStripeServer,
  TEAM_CALLS_PRICE,
  TEAM_PRICE,
} from './testing/billing-stripe.ts';
import { openPortal } from './open-portal.ts';
import { CHECKOUT_METHOD, startCheckout } from './start-checkout.ts';

const WEB = 'http://web.test';

let env: ApiTestEnv;
let stripe: StripeServer;
beforeAll(async () => {
  [env, stripe] = await Promise.all([createApiTestEnv(), startBillingStripeServer()]);
});
afterAll(async () => {
  await env?.close();
  await stripe?.close();
});

const as = (org: SeededOrg, who: keyof SeededOrg['actors'] = 'owner') => ({
  ...actingAs(env, org, who),
  plans: billingPlans,
  billing: billingConfigOf(stripe),
  publicWebUrl: WEB,
});
const checkout = (org: SeededOrg, plan = 'team', who: keyof SeededOrg['actors'] = 'owner') =>
  startCheckout({ ...as(org, who), input: { plan } });
const sessionOf = (url: string) => {
  const id = decodeURIComponent(new URL(url).pathname.split('/').pop()!);
  const session = stripe.state.sessions.get(id);
  if (!session) throw new Error(`no checkout session ${id}`);
  return { session, request: stripe.state.checkoutRequests.get(id)! };
};
const billingRows = (org: SeededOrg) =>
  env.db.db.select().from(tenantBilling).where(eq(tenantBilling.tenantId, org.tenant.id));
const customersOf = (org: SeededOrg) =>
  [...stripe.state.customers.values()].filter((c) => c.metadata.tenantId === org.tenant.id);

describe('who may use billing', () => {
  it('refuses admins and members, and says so when billing is off', async () => {
    const a = await seedOrg(env.db);
    for (const who of ['admin', 'member'] as const) {
      expect(await failureOf(() => getBillingOverview(as(a, who)))).toMatchObject({ code: 'FORBIDDEN' });
      expect(await failureOf(() => checkout(a, 'team', who))).toMatchObject({ code: 'FORBIDDEN' });
      expect(await failureOf(() => openPortal(as(a, who)))).toMatchObject({ code: 'FORBIDDEN' });
    }
    const off = { ...as(a), billing: undefined };
    for (const call of [
      () => getBillingOverview(off),
      () => startCheckout({ ...off, input: { plan: 'team' } }),
      () => openPortal(off),
    ]) {
      expect(await failureOf(call)).toMatchObject({ code: 'CONFLICT', details: { reason: 'billing-off' } });
    }
    expect(await billingRows(a)).toEqual([]);
    expect(customersOf(a)).toEqual([]);
  });
});

describe('billing overview', () => {
  it("shows the plan, this month's counted tool calls and the buyable plans with Stripe's prices", async () => {
    const [a, b] = await Promise.all([seedOrg(env.db), seedOrg(env.db)]);
    const now = new Date('2026-03-15T12:00:00Z');
    const row = (tenantId: string, minute: string, method: string, status: string, count: number) => ({
      tenantId,
      minute: new Date(minute),
      method,
      status,
      count,
    });
    await env.db.db.insert(usageRollups).values([
      row(a.tenant.id, '2026-03-01T00:00:00Z', 'tools/call', 'ok', 5),
      row(a.tenant.id, '2026-03-31T23:59:00Z', 'tools/call', 'error', 2),
      // Not counted: refused by policy, not a tool call, last month, next month, another tenant.
      row(a.tenant.id, '2026-03-10T00:00:00Z', 'tools/call', 'denied', 3),
      row(a.tenant.id, '2026-03-10T00:00:00Z', 'tools/list', 'ok', 4),
      row(a.tenant.id, '2026-02-28T23:59:00Z', 'tools/call', 'ok', 7),
      row(a.tenant.id, '2026-04-01T00:00:00Z', 'tools/call', 'ok', 9),
      row(b.tenant.id, '2026-03-10T00:00:00Z', 'tools/call', 'ok', 11),
    ]);
    const overview = await getBillingOverview({ ...as(a), now });
    expect(overview).toMatchObject({
      plan: { name: 'free', title: 'Free' },
      status: null,
      hasCustomer: false,
      subscribed: false,
      usage: {
        periodStart: '2026-03-01T00:00:00.000Z',
        periodEnd: '2026-04-01T00:00:00.000Z',
        toolCalls: 7,
        limit: 1000,
      },
      plans: [
        {
          name: 'team',
          title: 'Team',
          priceId: TEAM_PRICE,
          price: { amount: 2000, currency: 'usd', interval: 'month' },
          metered: true,
          current: false,
        },
      ],
      invoices: [],
      stripeUnavailable: false,
    });
  });

  it('still shows the plan and usage when Stripe is down, and says what is missing', async () => {
    const a = await seedOrg(env.db);
    await checkout(a);
    stripe.down(true);
    try {
      // A fresh configuration: no prices cached from earlier tests.
      const overview = await getBillingOverview({ ...as(a), billing: billingConfigOf(stripe) });
      expect(overview).toMatchObject({
        plan: { name: 'free' },
        hasCustomer: true,
        stripeUnavailable: true,
        invoices: [],
        plans: [{ name: 'team', price: null }],
      });
    } finally {
      stripe.down(false);
    }
  });
});

describe('checkout', () => {
  it("creates the tenant's customer and a subscription Checkout for the plan's prices, and audits it", async () => {
    const a = await seedOrg(env.db);
    const { url } = await checkout(a);
    expect(url.startsWith(`${stripe.url}/c/pay/`)).toBe(true);
    const [billing] = await billingRows(a);
    expect(billing!.stripeCustomerId).toMatch(/^cus_/);
    expect(billing).toMatchObject({
      stripeSubscriptionId: null,
    });
    const { session, request } = sessionOf(url);
    expect(session).toMatchObject({
      mode: 'subscription',
      customer: billing!.stripeCustomerId,
      client_reference_id: a.tenant.id,
      metadata: { tenantId: a.tenant.id, plan: 'team' },
      success_url: `${WEB}/t/${a.tenant.slug}/billing?checkout=done`,
      cancel_url: `${WEB}/t/${a.tenant.slug}/billing?checkout=canceled`,
    });
    expect(request.lineItems).toEqual([{ price: TEAM_PRICE, quantity: 1 }, { price: TEAM_CALLS_PRICE }]);
    expect(request.subscriptionMetadata).toEqual({ tenantId: a.tenant.id, plan: 'team' });
    const audits = await env.db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, a.tenant.id), eq(auditEvents.method, CHECKOUT_METHOD)));
    expect(audits).toMatchObject([
      {
        principalId: `user:${a.owner.id}`,
        status: 'ok',
        request: { plan: 'team' },
        response: { session: session.id },
      },
    ]);

    // A second try (the first tab was closed) reuses the customer.
    const again = sessionOf((await checkout(a)).url).session;
    expect(again.customer).toBe(billing!.stripeCustomerId);
    expect(customersOf(a)).toHaveLength(1);
  });

  it('makes one customer when owners click Upgrade at the same time', async () => {
    const a = await seedOrg(env.db);
    const results = await Promise.all(Array.from({ length: 6 }, () => checkout(a)));
    const rows = await billingRows(a);
    expect(rows).toHaveLength(1);
    for (const { url } of results) expect(sessionOf(url).session.customer).toBe(rows[0]!.stripeCustomerId);
    expect(customersOf(a).map((c) => c.id)).toEqual([rows[0]!.stripeCustomerId]);
  });

  it('refuses unknown plans, plans without a price, and a workspace already subscribed', async () => {
    const a = await seedOrg(env.db);
    expect(await failureOf(() => checkout(a, 'gold'))).toMatchObject({
      code: 'NOT_FOUND',
      details: { fields: [{ path: 'plan' }] },
    });
    expect(await failureOf(() => checkout(a, 'free'))).toMatchObject({
      code: 'INVALID',
      message: 'The Free plan cannot be bought',
    });
    expect(await billingRows(a)).toEqual([]);

    // Paying makes the subscription at Stripe; the webhook handler records it (here, by hand).
    const { url } = await checkout(a);
    const paid = await fetch(url, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    const subscription = sessionOf(url).session.subscription!;
    await env.db.db
      .update(tenantBilling)
      .set({ stripeSubscriptionId: subscription, status: 'active', plan: 'team', priceId: TEAM_PRICE })
      .where(eq(tenantBilling.tenantId, a.tenant.id));
    expect(await failureOf(() => checkout(a))).toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'already-subscribed' },
    });
    const overview = await getBillingOverview(as(a));
    expect(overview).toMatchObject({ status: 'active', subscribed: true, hasCustomer: true });
    expect(overview.invoices).toMatchObject([{ status: 'paid', total: 2000, currency: 'usd' }]);
    expect(overview.invoices[0]!.hostedUrl?.startsWith(stripe.url)).toBe(true);

    // Once canceled, a plan can be bought again.
    await env.db.db
      .update(tenantBilling)
      .set({ status: 'canceled' })
      .where(eq(tenantBilling.tenantId, a.tenant.id));
    expect((await checkout(a)).url).toContain('/c/pay/');
  });
});

describe('customer portal', () => {
  it("opens the tenant's own customer's portal, returning to the Billing page", async () => {
    const a = await seedOrg(env.db);
    expect(await failureOf(() => openPortal(as(a)))).toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'no-customer' },
    });
    await checkout(a);
    const { url } = await openPortal(as(a));
    const portal = [...stripe.state.portalSessions.values()].find((p) => p.url === url);
    const [billing] = await billingRows(a);
    expect(portal).toMatchObject({
      customer: billing!.stripeCustomerId,
      return_url: `${WEB}/t/${a.tenant.slug}/billing`,
    });
  });

  it("never opens another workspace's portal", async () => {
    const [a, b] = await Promise.all([seedOrg(env.db), seedOrg(env.db)]);
    await checkout(a);
    const [aBilling] = await billingRows(a);
    // B's owner, with no customer of its own, is refused rather than shown A's.
    expect(await failureOf(() => openPortal(as(b)))).toMatchObject({ code: 'CONFLICT' });
    await checkout(b);
    const { url } = await openPortal(as(b));
    const portal = [...stripe.state.portalSessions.values()].find((p) => p.url === url)!;
    expect(portal.customer).not.toBe(aBilling!.stripeCustomerId);
    expect(portal.customer).toBe((await billingRows(b))[0]!.stripeCustomerId);
    // A's owner acting on B's tenant id is what the transports prevent; the service reads only the row of the tenant it is given.
    const bOverview = await getBillingOverview(as(b));
    expect(bOverview.invoices).toEqual([]);
  });
});
