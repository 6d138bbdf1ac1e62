import { tenantBilling } from '@toolgate/db/schema';
import { seedApiToken } from '@toolgate/db/testing';
import type { StripeServer } from '@toolgate/fixtures/stripe-server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZBillingOverview, ZBillingRedirect } from '../services/billing/billing-schemas.ts';
import {
  billingConfigOf,
  billingPlans,
  startBillingStripeServer,
} from '../services/billing/testing/billing-stripe.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';

const WEB = 'https://web.example.test';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
let stripe: StripeServer;
let call: RestCall;
let callOff: RestCall;

beforeAll(async () => {
  [{ env, a, b }, stripe] = await Promise.all([createTwoTenantEnv(), startBillingStripeServer()]);
  const deps = { db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test', publicWebUrl: WEB };
  call = restClient({ ...deps, plans: billingPlans, billing: billingConfigOf(stripe) });
  callOff = restClient({ ...deps, plans: billingPlans });
});
afterAll(async () => {
  await env?.close();
  await stripe?.close();
});

/** Billing is the owner's: over REST, the owner's own user token. */
async function ownerToken(org: SeededOrg) {
  return (
    await seedApiToken(env.db.db, org.tenant.id, {
      scope: 'user',
      userId: org.owner.id,
      capabilities: ['admin'],
    })
  ).token;
}

describe('billing over REST', () => {
  it('shows the overview, starts Checkout and opens the portal for the owner', async () => {
    const token = await ownerToken(a);
    const overview = ok(await call('GET', '/billing', { token }), 200, ZBillingOverview);
    expect(overview).toMatchObject({ plan: { name: 'free' }, hasCustomer: false, plans: [{ name: 'team' }] });

    failed(await call('POST', '/billing/portal', { token }), 409, 'CONFLICT');
    const { url } = ok(
      await call('POST', '/billing/checkout', { token, body: { plan: 'team' } }),
      200,
      ZBillingRedirect,
    );
    expect(url.startsWith(`${stripe.url}/c/pay/`)).toBe(true);
    const portal = ok(await call('POST', '/billing/portal', { token }), 200, ZBillingRedirect);
    const session = [...stripe.state.portalSessions.values()].find((p) => p.url === portal.url)!;
    const [row] = await env.db.db.select().from(tenantBilling).where(eq(tenantBilling.tenantId, a.tenant.id));
    expect(session).toMatchObject({
      customer: row!.stripeCustomerId,
      return_url: `${WEB}/t/${a.tenant.slug}/billing`,
    });
  });

  it("refuses org tokens and members, bad plans with a field error, and B never reaches A's customer", async () => {
    for (const token of [a.adminToken, a.memberToken]) {
      failed(await call('GET', '/billing', { token }), 403, 'FORBIDDEN');
      failed(await call('POST', '/billing/checkout', { token, body: { plan: 'team' } }), 403, 'FORBIDDEN');
      failed(await call('POST', '/billing/portal', { token }), 403, 'FORBIDDEN');
    }
    const token = await ownerToken(a);
    const bad = failed(
      await call('POST', '/billing/checkout', { token, body: { plan: 'Not A Plan' } }),
      422,
      'INVALID',
    );
    expect(JSON.stringify(bad)).toContain('plan');
    failed(await call('POST', '/billing/checkout', { token, body: { plan: 'free' } }), 422, 'INVALID');
    failed(
      await call('POST', '/billing/checkout', { token, body: { plan: 'team', extra: 1 } }),
      422,
      'INVALID',
    );

    // A has a customer (the test above, or now); B's owner gets no portal of A's.
    await call('POST', '/billing/checkout', { token, body: { plan: 'team' } });
    const bToken = await ownerToken(b);
    failed(await call('POST', '/billing/portal', { token: bToken }), 409, 'CONFLICT');
    const bOverview = ok(await call('GET', '/billing', { token: bToken }), 200, ZBillingOverview);
    expect(bOverview.hasCustomer).toBe(false);
  });

  it('answers 409 billing-off when Stripe is not configured', async () => {
    const token = await ownerToken(a);
    for (const [method, path] of [
      ['GET', '/billing'],
      ['POST', '/billing/portal'],
    ] as const) {
      const error = failed(await callOff(method, path, { token }), 409, 'CONFLICT');
      expect(error.message).toBe('Billing is not turned on for this deployment');
    }
    failed(await callOff('POST', '/billing/checkout', { token, body: { plan: 'team' } }), 409, 'CONFLICT');
  });
});
