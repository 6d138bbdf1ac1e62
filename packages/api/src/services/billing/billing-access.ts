import type { BillingConfig } from '@toolgate/core/billing-config';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { tenantBilling, tenants } from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import Stripe from 'stripe';
import type { Actor } from '../../actor.ts';
import { insertActorAuditRow } from '../audit-row.ts';
import { stripeOf } from './stripe-client.ts';

/** What every billing service takes. */
export interface BillingScope {
  db: Database;
  tenantId: string;
  actor: Actor;
  /** Absent when Stripe is off: every billing service refuses with CONFLICT `billing-off`. */
  billing?: BillingConfig;
}

/**
 * Owners only (billing commits the workspace to payments), and only with Stripe on. Returns the
 * Stripe client of the deployment.
 */
export function billingClient(actor: Actor, billing: BillingConfig | undefined): Stripe {
  if (!billing)
    throw new AppError('CONFLICT', 'Billing is not turned on for this deployment', { reason: 'billing-off' });
  if (actor.role !== 'owner') throw new AppError('FORBIDDEN', 'Only the workspace owner may manage billing');
  return stripeOf(billing);
}

/** The Billing page of a workspace, where Checkout and the portal send the browser back. */
export const billingPageUrl = (publicWebUrl: string, slug: string): string =>
  `${publicWebUrl.replace(/\/+$/, '')}/t/${encodeURIComponent(slug)}/billing`;

/** A live workspace's slug and name. */
export async function workspaceOf(db: Database, tenantId: string): Promise<{ slug: string; name: string }> {
  const [row] = await db
    .select({ slug: tenants.slug, name: tenants.name })
    .from(tenants)
    .where(and(eq(tenants.id, tenantId), isNull(tenants.deletedAt)));
  if (!row) throw new AppError('NOT_FOUND', 'Workspace not found');
  return row;
}

/** The tenant's billing row (customer, subscription state), if it has one. */
export async function billingRowOf(db: Database, tenantId: string) {
  const [row] = await db.select().from(tenantBilling).where(eq(tenantBilling.tenantId, tenantId));
  return row;
}

/** Subscriptions in these states are over: the tenant may buy a plan again through Checkout. */
const ENDED_STATUSES = new Set(['canceled', 'incomplete_expired']);

export const isSubscribed = (
  row: { stripeSubscriptionId: string | null; status: string | null } | undefined,
) => Boolean(row?.stripeSubscriptionId && row.status && !ENDED_STATUSES.has(row.status));

/**
 * A Stripe failure as the caller should see it: Stripe's own message for a request it refused
 * (no such price, …), else that Stripe could not be reached. Stripe's messages carry no secrets
 * (keys appear masked), but the raw error is not passed on either way.
 */
export function stripeFailure(err: unknown, doing: string): AppError {
  if (err instanceof Stripe.errors.StripeInvalidRequestError)
    return new AppError('UPSTREAM', `Stripe refused to ${doing}: ${err.message}`);
  if (err instanceof Stripe.errors.StripeError)
    return new AppError('UPSTREAM', `Stripe could not ${doing} (${err.type}); try again in a moment`);
  return err instanceof AppError
    ? err
    : new AppError('UPSTREAM', `Stripe could not ${doing}; try again in a moment`);
}

/** A billing action in the workspace's audit log (`billing/…`), as other settings changes are. */
export async function recordBillingEvent(
  db: Database,
  scope: { tenantId: string; actor: Actor },
  method: string,
  request: Record<string, unknown>,
  response: Record<string, unknown>,
): Promise<void> {
  await insertActorAuditRow(db, scope.actor, {
    tenantId: scope.tenantId,
    occurredAt: new Date(),
    method,
    status: 'ok',
    request,
    response,
  });
}
