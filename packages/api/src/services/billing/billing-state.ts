import { planOfPrice, type PlansConfig } from '@toolgate/core/plans';
import type Stripe from 'stripe';

/**
 * What Toolgate keeps of a tenant's subscription (a `tenant_billing` row) and the plan in force
 * (`tenants.plan`), and how a subscription object as Stripe reports it now changes them. Pure:
 * the webhook handler and the grace sweep apply the result in their own transactions.
 */
export interface BillingState {
  subscriptionId: string | null;
  status: string | null;
  /** The configured plan the subscription's price is for (null: no plan has that price). */
  plan: string | null;
  priceId: string | null;
  currentPeriodEnd: Date | null;
  graceEndsAt: Date | null;
  /** `tenants.plan`: the plan in force (null = the deployment's default, i.e. free, plan). */
  tenantPlan: string | null;
}

/** Statuses that grant the subscription's plan. */
const PAID = new Set(['trialing', 'active']);
/** Statuses after which the subscription grants nothing: the free plan applies at once. */
const ENDED = new Set(['canceled', 'unpaid', 'incomplete_expired', 'paused']);

export const isEndedStatus = (status: string | null): boolean => status !== null && ENDED.has(status);

/** The subscription's fields Toolgate reads, whichever API version produced the object. */
export interface SubscriptionFacts {
  id: string;
  customerId: string;
  status: string;
  /** The price of the item whose price is a plan's, else the first item's. */
  priceId: string | null;
  plan: string | null;
  currentPeriodEnd: Date | null;
}

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  value == null ? null : typeof value === 'string' ? value : value.id;

export function subscriptionFacts(plans: PlansConfig, subscription: Stripe.Subscription): SubscriptionFacts {
  const items = subscription.items?.data ?? [];
  const planned = items.find((item) => planOfPrice(plans, item.price.id));
  const item = planned ?? items[0];
  // Since API version 2025-03-31 the period is on each item; older objects carry it on the subscription.
  const legacy = subscription as unknown as { current_period_end?: number };
  const periodEnd = item?.current_period_end ?? legacy.current_period_end;
  return {
    id: subscription.id,
    customerId: idOf(subscription.customer) ?? '',
    status: subscription.status,
    priceId: item?.price.id ?? null,
    plan: planned ? planOfPrice(plans, planned.price.id)!.name : null,
    currentPeriodEnd: typeof periodEnd === 'number' ? new Date(periodEnd * 1000) : null,
  };
}

export interface NextStateOptions {
  current: BillingState;
  subscription: SubscriptionFacts;
  graceDays: number;
  now: Date;
}

/**
 * The state a subscription's current status leads to. Order of events does not matter: only the
 * subscription object (fetched from Stripe) and what was stored before are read.
 * - trialing/active: the subscription's plan is in force, grace cleared;
 * - past_due: the paid plan holds until the grace period, set when it first became past_due,
 *   ends (later past_due reports leave it as it is); after that the free plan;
 * - canceled, unpaid, incomplete_expired, paused: the free plan at once;
 * - anything else (incomplete): recorded, the plan in force unchanged.
 */
export function nextBillingState({ current, subscription, graceDays, now }: NextStateOptions): BillingState {
  const base = {
    subscriptionId: subscription.id,
    status: subscription.status,
    plan: subscription.plan,
    priceId: subscription.priceId,
    currentPeriodEnd: subscription.currentPeriodEnd,
  };
  if (PAID.has(subscription.status)) {
    // A price no plan has cannot say which limits apply: the plan in force stays.
    return { ...base, graceEndsAt: null, tenantPlan: subscription.plan ?? current.tenantPlan };
  }
  if (subscription.status === 'past_due') {
    const wasPastDue = current.status === 'past_due' && current.subscriptionId === subscription.id;
    const graceEndsAt = wasPastDue
      ? current.graceEndsAt
      : new Date(now.getTime() + graceDays * 24 * 60 * 60 * 1000);
    const inGrace = graceEndsAt !== null && graceEndsAt > now;
    const paidPlan = subscription.plan ?? current.tenantPlan;
    return { ...base, graceEndsAt, tenantPlan: inGrace ? paidPlan : null };
  }
  if (ENDED.has(subscription.status)) return { ...base, graceEndsAt: null, tenantPlan: null };
  return { ...base, graceEndsAt: current.graceEndsAt, tenantPlan: current.tenantPlan };
}

/**
 * Whether a subscription other than the stored one may replace it: a late report about an old,
 * ended subscription must not end the tenant's current one.
 */
export function supersedes(current: BillingState, subscription: SubscriptionFacts): boolean {
  if (current.subscriptionId === null || current.subscriptionId === subscription.id) return true;
  if (isEndedStatus(current.status)) return true;
  return !isEndedStatus(subscription.status);
}
