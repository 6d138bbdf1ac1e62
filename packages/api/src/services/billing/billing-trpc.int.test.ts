import { createTestDatabase, seedMember, type TestDatabase } from '@toolgate/db/testing';
import type { StripeServer } from '@toolgate/fixtures/stripe-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { callerAs, signUpWorkspace, testServices, trpcError } from '../../trpc/testing/trpc-test-env.ts';
import { billingConfigOf, billingPlans, startBillingStripeServer } from './testing/billing-stripe.ts';

let db: TestDatabase;
let stripe: StripeServer;
beforeAll(async () => {
  [db, stripe] = await Promise.all([createTestDatabase(inject('postgresUrl')), startBillingStripeServer()]);
});
afterAll(async () => {
  await db?.destroy();
  await stripe?.close();
});

describe('the billing tRPC router', () => {
  it('serves the owner the overview, Checkout and the portal; admins are refused; off says so', async () => {
    const services = testServices({ plans: billingPlans, billing: billingConfigOf(stripe) });
    const suffix = crypto.randomUUID().slice(0, 8);
    const a = await signUpWorkspace(db.db, 'A', suffix);
    const owner = await callerAs(db.db, services, a.userId, a.tenantSlug);

    expect(await owner.billing.overview()).toMatchObject({ plan: { name: 'free' }, hasCustomer: false });
    const { url } = await owner.billing.checkout({ plan: 'team' });
    expect(url.startsWith(`${stripe.url}/c/pay/`)).toBe(true);
    expect((await owner.billing.portal()).url.startsWith(`${stripe.url}/p/session/`)).toBe(true);
    expect(await trpcError(owner.billing.checkout({ plan: 'free' }))).toMatchObject({
      code: 'UNPROCESSABLE_CONTENT',
    });

    const admin = await seedMember(db.db, a.tenantId, 'admin');
    const asAdmin = await callerAs(db.db, services, admin.id, a.tenantSlug);
    expect(await trpcError(asAdmin.billing.overview())).toMatchObject({ code: 'FORBIDDEN' });
    expect(await trpcError(asAdmin.billing.portal())).toMatchObject({ code: 'FORBIDDEN' });

    const off = await callerAs(db.db, testServices({ plans: billingPlans }), a.userId, a.tenantSlug);
    expect(await trpcError(off.billing.overview())).toMatchObject({
      code: 'CONFLICT',
      message: 'Billing is not turned on for this deployment',
    });
  });
});
