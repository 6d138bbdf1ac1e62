import type { BillingConfig } from '@toolgate/core/billing-config';
import { parsePlansConfig, type PlansConfig } from '@toolgate/core/plans';
import { auditEvents, configChanges, stripeEvents, tenantBilling, tenants } from '@toolgate/db/schema';
import type { TestDatabase } from '@toolgate/db/testing';
import { startStripeServer, type StripeServer } from '@toolgate/fixtures/stripe-server';
import { and, eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { BILLING_SUBSCRIPTION_METHOD } from '../apply-billing-state.ts';
import { handleStripeWebhook, type StripeWebhookResult } from '../webhooks.ts';

/**
 * Webhook tests' world: the local Stripe-compatible server (events held, delivered by the test
 * in the order it chooses), plans whose `team` plan has the server's price, and helpers that
 * subscribe a tenant through the hosted Checkout page and read back what Toolgate stored.
 */
export const TEAM_PRICE = 'price_team_monthly';
export const WEBHOOK_SECRET = 'whsec_toolgate_webhook_test';

export const testPlans: PlansConfig = parsePlansConfig(
  JSON.stringify({
    defaultPlan: 'free',
    plans: {
      free: { limits: { callsPerMonth: 100, gateways: 1 } },
      team: { limits: { callsPerMonth: 100_000 }, stripePriceId: TEAM_PRICE },
    },
  }),
  'test plans',
);

export interface WebhookWorld {
  server: StripeServer;
  /** The SDK against the local server (the tests' own calls). */
  stripe: Stripe;
  billing: BillingConfig;
  /** Signs an event as Stripe would (the SDK's test-header helper); `timestamp` in seconds. */
  sign(payload: string, options?: { secret?: string; timestamp?: number }): string;
  close(): Promise<void>;
}

export async function startWebhookWorld(): Promise<WebhookWorld> {
  const server = await startStripeServer({
    autoDeliver: false,
    prices: [
      {
        id: TEAM_PRICE,
        product: { name: 'Toolgate Team' },
        unit_amount: 4900,
        currency: 'eur',
        recurring: { interval: 'month' },
      },
    ],
  });
  const stripe = new Stripe(server.secretKey, { ...server.sdkOptions, maxNetworkRetries: 0 });
  return {
    server,
    stripe,
    billing: { secretKey: server.secretKey, webhookSecret: WEBHOOK_SECRET, apiUrl: server.url, graceDays: 7 },
    sign: (payload, options = {}) =>
      stripe.webhooks.generateTestHeaderString({
        payload,
        secret: options.secret ?? WEBHOOK_SECRET,
        ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
      }),
    close: () => server.close(),
  };
}

export interface Subscribed {
  customerId: string;
  subscriptionId: string;
  /** The events the checkout made, in Stripe's order (completed, subscription.created, invoice.paid). */
  events: Stripe.Event[];
}

/**
 * A customer for the tenant (stored as the Checkout service does before it redirects, unless
 * `linked: false`), then a subscription to the team plan paid on the hosted Checkout page.
 */
export async function subscribe(
  world: WebhookWorld,
  db: TestDatabase,
  tenantId: string,
  options: { linked?: boolean; customerId?: string } = {},
): Promise<Subscribed> {
  const customerId =
    options.customerId ?? (await world.stripe.customers.create({ metadata: { tenantId } })).id;
  if (options.linked !== false && !options.customerId)
    await db.db.insert(tenantBilling).values({ tenantId, stripeCustomerId: customerId });
  const before = world.server.events.length;
  const session = await world.stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: customerId,
    client_reference_id: tenantId,
    metadata: { tenantId },
    line_items: [{ price: TEAM_PRICE, quantity: 1 }],
    success_url: 'http://web.test/billing',
    cancel_url: 'http://web.test/billing',
  });
  const paid = await fetch(session.url!, { method: 'POST', redirect: 'manual' });
  if (paid.status !== 303) throw new Error(`checkout page answered ${paid.status}`);
  const completed = await world.stripe.checkout.sessions.retrieve(session.id);
  return {
    customerId,
    subscriptionId: completed.subscription as string,
    events: eventsSince(world, before),
  };
}

/** Events the server made since `index` (its event count before an action). */
export const eventsSince = (world: WebhookWorld, index: number) =>
  world.server.events.slice(index) as unknown as Stripe.Event[];

export async function deliver(
  world: WebhookWorld,
  db: TestDatabase,
  event: Stripe.Event,
  now?: Date,
): Promise<StripeWebhookResult> {
  const payload = JSON.stringify(event, null, 2);
  return handleStripeWebhook({
    db: db.db,
    plans: testPlans,
    billing: world.billing,
    payload,
    signature: world.sign(payload),
    ...(now ? { now } : {}),
  });
}

export async function deliverAll(world: WebhookWorld, db: TestDatabase, events: Stripe.Event[]) {
  const outcomes = [];
  for (const event of events) outcomes.push(await deliver(world, db, event));
  return outcomes;
}

/** What Toolgate stored for a tenant: plan in force, billing row, audit and config changes. */
export async function stored(db: TestDatabase, tenantId: string) {
  const [tenant] = await db.db.select().from(tenants).where(eq(tenants.id, tenantId));
  const [billing] = await db.db.select().from(tenantBilling).where(eq(tenantBilling.tenantId, tenantId));
  const audits = await db.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.method, BILLING_SUBSCRIPTION_METHOD)))
    .orderBy(auditEvents.occurredAt);
  const changes = await db.db.select().from(configChanges).where(eq(configChanges.tenantId, tenantId));
  const events = await db.db.select().from(stripeEvents).where(eq(stripeEvents.tenantId, tenantId));
  return {
    plan: tenant!.plan,
    configVersion: tenant!.configVersion,
    billing,
    audits,
    planChanges: changes.filter((c) => c.change.reason === 'plan changed (billing)'),
    events,
  };
}
