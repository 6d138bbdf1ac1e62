import type { BillingConfig } from '@toolgate/core/billing-config';
import { parsePlansConfig, type PlansConfig } from '@toolgate/core/plans';
import { startStripeServer, type StripeServer } from '@toolgate/fixtures/stripe-server';

/** Billing tests: a local Stripe server with a priced plan (and its metered price), and plans that name them. */

export const TEAM_PRICE = 'price_team_monthly';
export const TEAM_CALLS_PRICE = 'price_team_calls';

export const billingPlans: PlansConfig = parsePlansConfig(
  JSON.stringify({
    defaultPlan: 'free',
    plans: {
      free: { title: 'Free', limits: { callsPerMonth: 1000 } },
      team: {
        title: 'Team',
        limits: { callsPerMonth: 100_000 },
        stripePriceId: TEAM_PRICE,
        stripeMeteredPriceId: TEAM_CALLS_PRICE,
      },
    },
  }),
  'billing test plans',
);

export function startBillingStripeServer(): Promise<StripeServer> {
  return startStripeServer({
    prices: [
      {
        id: TEAM_PRICE,
        product: { name: 'Toolgate Team' },
        unit_amount: 2000,
        currency: 'usd',
        recurring: { interval: 'month' },
      },
      {
        id: TEAM_CALLS_PRICE,
        product: { name: 'Toolgate tool calls' },
        unit_amount: 1,
        currency: 'usd',
        recurring: { interval: 'month', usage_type: 'metered', meter: 'tool_calls' },
      },
    ],
    meters: [{ event_name: 'tool_calls' }],
  });
}

/** A billing configuration pointing at the local server (a new object: its own client and price cache). */
export const billingConfigOf = (server: StripeServer): BillingConfig => ({
  secretKey: server.secretKey,
  webhookSecret: 'whsec_billing_test',
  apiUrl: server.url,
  graceDays: 7,
});
