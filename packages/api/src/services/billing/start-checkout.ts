import { createHash } from 'node:crypto';
import { AppError } from '@toolgate/core/errors';
import { DEFAULT_PLANS_CONFIG, type PlansConfig } from '@toolgate/core/plans';
import { tenantBilling } from '@toolgate/db/schema';
import type Stripe from 'stripe';
import { parseInput } from '../../validation.ts';
import {
  billingClient,
  billingPageUrl,
  billingRowOf,
  isSubscribed,
  recordBillingEvent,
  stripeFailure,
  workspaceOf,
  type BillingScope,
} from './billing-access.ts';
import { ZStartCheckoutRequest, type BillingRedirect } from './billing-schemas.ts';

/** The audit log's method for a Checkout started. */
export const CHECKOUT_METHOD = 'billing/checkout';

export interface StartCheckoutOptions extends BillingScope {
  plans?: PlansConfig;
  /** PUBLIC_WEB_URL: Checkout sends the browser back to the Billing page there. */
  publicWebUrl: string;
  /** ZStartCheckoutRequest: `{ plan }` */
  input: unknown;
}

/**
 * The tenant's Stripe customer, created on first use. Two owners clicking Upgrade at once make
 * one: the creation carries an idempotency key of the tenant (Stripe answers both requests with
 * the same customer), and the row is inserted with `on conflict do nothing`, so whichever insert
 * loses reads the winner's customer.
 */
async function customerOf(stripe: Stripe, scope: BillingScope, workspace: { name: string }): Promise<string> {
  const existing = await billingRowOf(scope.db, scope.tenantId);
  if (existing) return existing.stripeCustomerId;
  // The key changes with the name so a renamed workspace is not refused as a key reused with other parameters.
  const nameHash = createHash('sha256').update(workspace.name).digest('hex').slice(0, 16);
  let created: Stripe.Customer;
  try {
    created = await stripe.customers.create(
      { name: workspace.name, metadata: { tenantId: scope.tenantId } },
      { idempotencyKey: `toolgate-customer-${scope.tenantId}-${nameHash}` },
    );
  } catch (err) {
    throw stripeFailure(err, 'create the billing customer');
  }
  const inserted = await scope.db
    .insert(tenantBilling)
    .values({ tenantId: scope.tenantId, stripeCustomerId: created.id })
    .onConflictDoNothing({ target: tenantBilling.tenantId })
    .returning({ customer: tenantBilling.stripeCustomerId });
  if (inserted[0]) return inserted[0].customer;
  const winner = await billingRowOf(scope.db, scope.tenantId);
  if (!winner) throw new AppError('CONFLICT', 'The billing account changed meanwhile; try again');
  // Without idempotency (or past its 24 hours) the loser made a customer nobody uses: remove it.
  if (winner.stripeCustomerId !== created.id) await stripe.customers.del(created.id).catch(() => undefined);
  return winner.stripeCustomerId;
}

/**
 * Starts a Stripe Checkout for a plan (the workspace owner): a subscription to the plan's price,
 * plus its metered price when it has one. Returns the Checkout page's URL; the plan changes when
 * Stripe reports the subscription (webhooks), not here. A workspace with a live subscription is
 * sent to the Customer Portal instead, so it never pays for two.
 */
export async function startCheckout(options: StartCheckoutOptions): Promise<BillingRedirect> {
  const { db, tenantId, actor, billing, publicWebUrl, plans = DEFAULT_PLANS_CONFIG } = options;
  const stripe = billingClient(actor, billing);
  const { plan: planName } = parseInput(ZStartCheckoutRequest, options.input);
  const plan = plans.plans[planName];
  if (!plan)
    throw new AppError('NOT_FOUND', `There is no plan "${planName}"`, {
      fields: [{ path: 'plan', message: 'No such plan' }],
    });
  if (!plan.stripePriceId)
    throw new AppError('INVALID', `The ${plan.title} plan cannot be bought`, {
      fields: [{ path: 'plan', message: 'This plan has no price' }],
    });
  if (isSubscribed(await billingRowOf(db, tenantId)))
    throw new AppError(
      'CONFLICT',
      'This workspace already has a subscription: change or cancel it with Manage billing',
      { reason: 'already-subscribed' },
    );

  const workspace = await workspaceOf(db, tenantId);
  const customer = await customerOf(stripe, options, workspace);
  const page = billingPageUrl(publicWebUrl, workspace.slug);
  const metadata = { tenantId, plan: plan.name };
  const lineItems: Stripe.Checkout.SessionCreateParams.LineItem[] = [
    { price: plan.stripePriceId, quantity: 1 },
  ];
  // Metered prices are billed by reported usage and take no quantity.
  if (plan.stripeMeteredPriceId) lineItems.push({ price: plan.stripeMeteredPriceId });
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer,
      client_reference_id: tenantId,
      line_items: lineItems,
      metadata,
      subscription_data: { metadata },
      success_url: `${page}?checkout=done`,
      cancel_url: `${page}?checkout=canceled`,
    });
  } catch (err) {
    throw stripeFailure(err, 'start Checkout');
  }
  if (!session.url) throw new AppError('UPSTREAM', 'Stripe started Checkout without a page to send you to');
  await recordBillingEvent(db, options, CHECKOUT_METHOD, { plan: plan.name }, { session: session.id });
  return { url: session.url };
}
