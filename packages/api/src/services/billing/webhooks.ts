import type { Bus } from '@toolgate/bus';
import type { BillingConfig } from '@toolgate/core/billing-config';
import type { PendingConfigChange } from '@toolgate/core/config-change';
import type { Logger } from '@toolgate/core/logger';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { stripeEvents, tenantBilling, tenants } from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import Stripe from 'stripe';
import { deliverChanges } from '../../invalidation.ts';
import type { Tx } from '../../workspace-lock.ts';
import { applyBillingState, lockBilling } from './apply-billing-state.ts';
import { nextBillingState, subscriptionFacts, supersedes, type SubscriptionFacts } from './billing-state.ts';
import { eventReference, type EventReference } from './stripe-event-reference.ts';
import { stripeOf } from './stripe-client.ts';

export interface HandleStripeWebhookOptions {
  db: Database;
  plans: PlansConfig;
  billing: BillingConfig;
  /** The request body exactly as received: the signature is over these bytes. */
  payload: string;
  /** The `Stripe-Signature` header. */
  signature: string | null | undefined;
  /** Delivers the plan changes to proxies right away (else the config relay does, a little later). */
  bus?: Bus;
  log?: Logger;
  /** The grace period starts from here (tests). */
  now?: Date;
}

/**
 * - `applied`: the subscription's current state was applied (or the customer linked);
 * - `duplicate`: this event id was applied before; nothing done;
 * - `ignored`: a type Toolgate does not act on, or nothing to act on (no subscription, one Stripe no longer has);
 * - `unknown-customer`: no tenant has the event's customer;
 * - `refused`: the event names a tenant or customer that does not fit what is stored;
 * - `stale`: about a subscription the tenant has since replaced.
 */
export type WebhookOutcome = 'applied' | 'duplicate' | 'ignored' | 'unknown-customer' | 'refused' | 'stale';

export type StripeWebhookResult =
  | { status: 400; message: string }
  | { status: 200; eventId: string; type: string; outcome: WebhookOutcome; tenantId?: string };

/** A write to the billing row between our read and our lock: the subscription may have been read too early. */
class ReadTooEarly extends Error {}

const MAX_ATTEMPTS = 5;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One Stripe webhook delivery. The signature is checked with the official SDK; each event id is
 * applied once (recorded in `stripe_events` in the transaction that applies it); and whatever
 * the event says, the subscription is fetched from Stripe and ITS current state applied, so
 * events may arrive in any order, twice, or concurrently. The subscription is fetched outside
 * any transaction; if the tenant's billing row was written meanwhile, it is fetched again.
 * Only a refused signature is a 400; events Toolgate cannot place are acknowledged (200) and
 * logged so Stripe does not retry them for days. Stripe or Postgres failures throw (a 500:
 * Stripe retries the delivery).
 */
export async function handleStripeWebhook(options: HandleStripeWebhookOptions): Promise<StripeWebhookResult> {
  const { db, billing, payload, signature, log } = options;
  if (!signature) return { status: 400, message: 'Missing Stripe-Signature header' };
  let event: Stripe.Event;
  try {
    event = stripeOf(billing).webhooks.constructEvent(payload, signature, billing.webhookSecret);
  } catch (err) {
    return { status: 400, message: `Webhook signature verification failed: ${(err as Error).message}` };
  }
  const done = (outcome: WebhookOutcome, tenantId?: string | null): StripeWebhookResult => ({
    status: 200,
    eventId: event.id,
    type: event.type,
    outcome,
    ...(tenantId ? { tenantId } : {}),
  });
  if (await isRecorded(db, event.id)) return done('duplicate');
  const ref = eventReference(event);
  if (!ref) return done(await recordOnly(db, event, null, 'ignored'));

  for (let attempt = 1; ; attempt++) {
    try {
      return await applyOnce(options, event, ref, done);
    } catch (err) {
      if (!(err instanceof ReadTooEarly) || attempt >= MAX_ATTEMPTS) throw err;
      log?.debug(
        { eventId: event.id, attempt },
        'billing row changed while the subscription was read; again',
      );
    }
  }
}

type Done = (outcome: WebhookOutcome, tenantId?: string | null) => StripeWebhookResult;

async function applyOnce(
  options: HandleStripeWebhookOptions,
  event: Stripe.Event,
  ref: EventReference,
  done: Done,
): Promise<StripeWebhookResult> {
  const { db, plans, billing, bus, log } = options;
  const where = await placeEvent(db, ref);
  if ('refused' in where) {
    log?.warn({ eventId: event.id, type: event.type, reason: where.refused }, 'Stripe event refused');
    return done(await recordOnly(db, event, null, 'refused'));
  }
  if ('unknown' in where) {
    log?.warn(
      { eventId: event.id, type: event.type, customer: ref.customerId },
      'Stripe event for a customer no tenant has; acknowledged and ignored',
    );
    return done(await recordOnly(db, event, null, 'unknown-customer'));
  }
  const seenVersion = await billingVersion(db, where.tenantId);

  let facts: SubscriptionFacts | undefined;
  if (ref.subscriptionId) {
    const subscription = await retrieveSubscription(billing, ref.subscriptionId);
    if (!subscription) {
      log?.warn({ eventId: event.id, subscription: ref.subscriptionId }, 'Stripe has no such subscription');
      return done(await recordOnly(db, event, where.tenantId, 'ignored'), where.tenantId);
    }
    facts = subscriptionFacts(plans, subscription);
    if (facts.customerId !== where.customerId) {
      log?.warn({ eventId: event.id, subscription: facts.id }, "subscription is not the tenant's customer's");
      return done(await recordOnly(db, event, null, 'refused'));
    }
  } else if (!where.linkCustomer) {
    return done(await recordOnly(db, event, where.tenantId, 'ignored'), where.tenantId);
  }

  const { outcome, recorded } = await db.transaction(async (tx) => {
    if (!(await recordEvent(tx, event, where.tenantId)))
      return { outcome: 'duplicate' as const, recorded: [] };
    let locked = await lockBilling(tx, { tenantId: where.tenantId });
    if ((locked?.version.getTime() ?? null) !== seenVersion) throw new ReadTooEarly();
    if (!locked) {
      // Another delivery may be linking this workspace or customer right now: read again after it.
      const inserted = await tx
        .insert(tenantBilling)
        .values({ tenantId: where.tenantId, stripeCustomerId: where.customerId })
        .onConflictDoNothing()
        .returning({ tenantId: tenantBilling.tenantId });
      if (inserted.length === 0) throw new ReadTooEarly();
      locked = (await lockBilling(tx, { tenantId: where.tenantId }))!;
    }
    if (!facts) return { outcome: 'applied' as const, recorded: [] };
    if (!supersedes(locked.state, facts)) {
      log?.info(
        { eventId: event.id, subscription: facts.id },
        'report about a replaced subscription ignored',
      );
      return { outcome: 'stale' as const, recorded: [] };
    }
    const next = nextBillingState({
      current: locked.state,
      subscription: facts,
      graceDays: billing.graceDays,
      now: options.now ?? new Date(),
    });
    const applied = await applyBillingState(
      tx,
      locked,
      next,
      { type: 'stripe', id: `stripe:${event.id}` },
      { eventId: event.id, eventType: event.type, subscriptionId: facts.id },
    );
    return { outcome: 'applied' as const, recorded: applied.recorded };
  });
  if (bus) await deliverChanges(db, bus, recorded as PendingConfigChange[]);
  return done(outcome, where.tenantId);
}

type Placement =
  { tenantId: string; customerId: string; linkCustomer: boolean } | { refused: string } | { unknown: true };

/**
 * Whose event this is. A completed checkout names its tenant (client_reference_id, or
 * metadata.tenantId): it must exist and either have no customer yet or this one, and the
 * customer must be no other tenant's. Every other event is placed by its customer alone.
 */
async function placeEvent(db: Database, ref: EventReference): Promise<Placement> {
  if (!ref.customerId) return { unknown: true };
  const [byCustomer] = await db
    .select({ tenantId: tenantBilling.tenantId })
    .from(tenantBilling)
    .where(eq(tenantBilling.stripeCustomerId, ref.customerId));
  if (ref.tenantHint === undefined) {
    return byCustomer
      ? { tenantId: byCustomer.tenantId, customerId: ref.customerId, linkCustomer: false }
      : { unknown: true };
  }
  const hint = ref.tenantHint;
  if (!hint || !UUID.test(hint)) return { refused: 'checkout session names no tenant' };
  const [tenant] = await db
    .select({ id: tenants.id, customerId: tenantBilling.stripeCustomerId })
    .from(tenants)
    .leftJoin(tenantBilling, eq(tenantBilling.tenantId, tenants.id))
    .where(and(eq(tenants.id, hint), isNull(tenants.deletedAt)));
  if (!tenant) return { refused: 'checkout session names a tenant that does not exist' };
  if (tenant.customerId && tenant.customerId !== ref.customerId)
    return { refused: 'the tenant already has another Stripe customer' };
  if (byCustomer && byCustomer.tenantId !== tenant.id) return { refused: "the customer is another tenant's" };
  return { tenantId: tenant.id, customerId: ref.customerId, linkCustomer: true };
}

async function billingVersion(db: Database, tenantId: string): Promise<number | null> {
  const [row] = await db
    .select({ version: tenantBilling.updatedAt })
    .from(tenantBilling)
    .where(eq(tenantBilling.tenantId, tenantId));
  return row?.version.getTime() ?? null;
}

async function retrieveSubscription(
  billing: BillingConfig,
  id: string,
): Promise<Stripe.Subscription | undefined> {
  try {
    return await stripeOf(billing).subscriptions.retrieve(id);
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) return undefined;
    throw err;
  }
}

async function isRecorded(db: Database, eventId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: stripeEvents.id })
    .from(stripeEvents)
    .where(eq(stripeEvents.id, eventId));
  return row !== undefined;
}

/** Records the event id; false when it was recorded already (a duplicate, maybe concurrent). */
async function recordEvent(
  tx: Tx | Database,
  event: Stripe.Event,
  tenantId: string | null,
): Promise<boolean> {
  const inserted = await tx
    .insert(stripeEvents)
    .values({ id: event.id, type: event.type, tenantId })
    .onConflictDoNothing()
    .returning({ id: stripeEvents.id });
  return inserted.length > 0;
}

/** An event acknowledged without effect: recorded so a redelivery is a duplicate. */
async function recordOnly(
  db: Database,
  event: Stripe.Event,
  tenantId: string | null,
  outcome: WebhookOutcome,
): Promise<WebhookOutcome> {
  return (await recordEvent(db, event, tenantId)) ? outcome : 'duplicate';
}
