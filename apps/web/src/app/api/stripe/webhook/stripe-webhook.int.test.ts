import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBus, type Bus } from '@toolgate/bus';
import type { BillingConfig } from '@toolgate/core/billing-config';
import { parsePlansConfig } from '@toolgate/core/plans';
import { stripeEvents, tenantBilling, tenants } from '@toolgate/db/schema';
import { createTestDatabase, seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { startStripeServer, type StripeServer } from '@toolgate/fixtures/stripe-server';
import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stripeWebhookResponse, type StripeWebhookDeps } from './stripe-webhook-response';

const TEAM_PRICE = 'price_team_monthly';
const SECRET = 'whsec_web_route_test';
const plans = parsePlansConfig(
  JSON.stringify({ defaultPlan: 'free', plans: { free: {}, team: { stripePriceId: TEAM_PRICE } } }),
  'test plans',
);

let db: TestDatabase;
let bus: Bus;
let stripeServer: StripeServer;
let stripe: Stripe;
let endpoint: Server;
let endpointUrl: string;
let deps: StripeWebhookDeps;

/** The route's handler behind a real HTTP listener, as Next serves it: Stripe's deliveries reach it over HTTP. */
async function listen(handler: (request: Request) => Promise<Response>): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === 'string') headers.set(name, value);
      const request = new Request(`http://web.test${req.url ?? '/'}`, {
        method: req.method ?? 'GET',
        headers,
        ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
      });
      void handler(request).then(async (response) => {
        res.writeHead(response.status, { 'content-type': response.headers.get('content-type') ?? '' });
        res.end(await response.text());
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  bus = createBus({});
  stripeServer = await startStripeServer({
    prices: [
      {
        id: TEAM_PRICE,
        product: { name: 'Team' },
        unit_amount: 4900,
        currency: 'eur',
        recurring: { interval: 'month' },
      },
    ],
  });
  stripe = new Stripe(stripeServer.secretKey, { ...stripeServer.sdkOptions, maxNetworkRetries: 0 });
  const billing: BillingConfig = {
    secretKey: stripeServer.secretKey,
    webhookSecret: SECRET,
    apiUrl: stripeServer.url,
    graceDays: 7,
  };
  deps = { db: db.db, bus, plans, billing };
  endpoint = await listen((request) => stripeWebhookResponse(request, deps));
  endpointUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/api/stripe/webhook`;
  stripeServer.setWebhook(endpointUrl, SECRET);
});

afterAll(async () => {
  await stripeServer?.close();
  await new Promise((resolve) => endpoint?.close(resolve));
  await bus?.close();
  await db?.destroy();
});

async function checkout(tenantId: string) {
  const customer = await stripe.customers.create({});
  await db.db.insert(tenantBilling).values({ tenantId, stripeCustomerId: customer.id });
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: customer.id,
    client_reference_id: tenantId,
    line_items: [{ price: TEAM_PRICE, quantity: 1 }],
    success_url: 'http://web.test/billing',
    cancel_url: 'http://web.test/billing',
  });
  const before = stripeServer.deliveries.length;
  const paid = await fetch(session.url!, { method: 'POST', redirect: 'manual' });
  expect(paid.status).toBe(303);
  return { deliveries: stripeServer.deliveries.slice(before), customerId: customer.id };
}

const planOf = async (tenantId: string) =>
  (await db.db.select({ plan: tenants.plan }).from(tenants).where(eq(tenants.id, tenantId)))[0]!.plan;

describe('POST /api/stripe/webhook', () => {
  it("applies Stripe's signed deliveries of a checkout, and acknowledges a redelivery", async () => {
    const tenant = await seedTenant(db.db);
    const { deliveries, customerId } = await checkout(tenant.id);
    expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200]);
    expect(await planOf(tenant.id)).toBe('team');

    const again = await stripeServer.deliver(deliveries[0]!.eventId);
    expect(again.status).toBe(200);
    const raw = await fetch(endpointUrl, {
      method: 'POST',
      headers: { 'stripe-signature': 'x' },
      body: '{}',
    });
    expect(raw.status).toBe(400);

    const [subscription] = (await stripe.subscriptions.list({ customer: customerId })).data;
    await stripeServer.cancel(subscription!.id);
    expect(stripeServer.deliveries.at(-1)!.status).toBe(200);
    expect(await planOf(tenant.id)).toBeNull();
  });

  it('refuses a delivery signed with another secret (400) and applies nothing', async () => {
    const tenant = await seedTenant(db.db);
    stripeServer.setAutoDeliver(false);
    try {
      await checkout(tenant.id);
    } finally {
      stripeServer.setAutoDeliver(true);
    }
    const event = stripeServer.events.at(-2)!;
    expect(event.type).toBe('customer.subscription.created');
    const refused = await stripeServer.deliver(event.id, { secret: 'whsec_not_ours' });
    expect(refused.status).toBe(400);
    expect(await db.db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id))).toEqual([]);
    expect(await planOf(tenant.id)).toBeNull();
    expect((await stripeServer.deliver(event.id)).status).toBe(200);
    expect(await planOf(tenant.id)).toBe('team');
  });

  it('says billing is not configured when Stripe is off', async () => {
    const response = await stripeWebhookResponse(
      new Request('http://web.test/api/stripe/webhook', { method: 'POST', body: '{}' }),
      { db: db.db, bus, plans },
    );
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      error: { code: 'NOT_FOUND', message: expect.stringMatching(/STRIPE_SECRET_KEY/) as string },
    });
  });
});
