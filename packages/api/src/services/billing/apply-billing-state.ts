import type { PendingConfigChange } from '@toolgate/core/config-change';
import { tenantBilling, tenants } from '@toolgate/db/schema';
import { eq, sql } from 'drizzle-orm';
import { recordWorkspaceChange } from '../../workspace-change.ts';
import { insertAuditRow } from '../audit-row.ts';
import type { Tx } from '../../workspace-lock.ts';
import type { BillingState } from './billing-state.ts';

/** Audit method of every change Stripe billing makes to a tenant's subscription state or plan. */
export const BILLING_SUBSCRIPTION_METHOD = 'billing/subscription';

export interface BillingPrincipal {
  /** `stripe` (a webhook) or `system` (the grace sweep). */
  type: 'stripe' | 'system';
  /** `stripe:evt_…` or `system:grace-sweep`. */
  id: string;
}

/** The row's stored state joined with the tenant's plan in force, read under a row lock. */
export interface LockedBilling {
  tenantId: string;
  tenantSlug: string;
  customerId: string;
  /** Raised on every write: a webhook that fetched the subscription before it saw this value starts again. */
  version: Date;
  state: BillingState;
}

/** Locks a tenant's billing row (and reads its tenant's plan); undefined when there is none. */
export async function lockBilling(
  tx: Tx,
  where: { tenantId: string } | { customerId: string },
): Promise<LockedBilling | undefined> {
  const [row] = await tx
    .select({ billing: tenantBilling, tenantSlug: tenants.slug, tenantPlan: tenants.plan })
    .from(tenantBilling)
    .innerJoin(tenants, eq(tenants.id, tenantBilling.tenantId))
    .where(
      'tenantId' in where
        ? eq(tenantBilling.tenantId, where.tenantId)
        : eq(tenantBilling.stripeCustomerId, where.customerId),
    )
    .for('update', { of: tenantBilling });
  if (!row) return undefined;
  const b = row.billing;
  return {
    tenantId: b.tenantId,
    tenantSlug: row.tenantSlug,
    customerId: b.stripeCustomerId,
    version: b.updatedAt,
    state: {
      subscriptionId: b.stripeSubscriptionId,
      status: b.status,
      plan: b.plan,
      priceId: b.priceId,
      currentPeriodEnd: b.currentPeriodEnd,
      graceEndsAt: b.graceEndsAt,
      tenantPlan: row.tenantPlan,
    },
  };
}

const sameTime = (a: Date | null, b: Date | null) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

function summary(state: BillingState) {
  return {
    status: state.status,
    plan: state.tenantPlan,
    subscriptionPlan: state.plan,
    graceEndsAt: state.graceEndsAt?.toISOString() ?? null,
  };
}

/**
 * Writes the next state of a locked billing row. When the plan in force changes, every proxy
 * is told (a tenant-wide configuration change, recorded in this transaction) so the new limits
 * apply on the next call; any change of status, plan or grace is audited.
 */
export async function applyBillingState(
  tx: Tx,
  locked: LockedBilling,
  next: BillingState,
  principal: BillingPrincipal,
  request: Record<string, unknown>,
): Promise<{ changed: boolean; recorded: PendingConfigChange[] }> {
  const prev = locked.state;
  // Strictly increasing, even for two writes in the same millisecond: the webhook's freshness check relies on it.
  await tx
    .update(tenantBilling)
    .set({
      stripeSubscriptionId: next.subscriptionId,
      status: next.status,
      plan: next.plan,
      priceId: next.priceId,
      currentPeriodEnd: next.currentPeriodEnd,
      graceEndsAt: next.graceEndsAt,
      updatedAt: sql`greatest(clock_timestamp(), ${tenantBilling.updatedAt} + interval '1 millisecond')`,
    })
    .where(eq(tenantBilling.tenantId, locked.tenantId));
  const recorded: PendingConfigChange[] = [];
  if (next.tenantPlan !== prev.tenantPlan) {
    await tx.update(tenants).set({ plan: next.tenantPlan }).where(eq(tenants.id, locked.tenantId));
    recorded.push(
      await recordWorkspaceChange(tx, locked.tenantId, locked.tenantSlug, 'plan changed (billing)'),
    );
  }
  const changed =
    next.tenantPlan !== prev.tenantPlan ||
    next.status !== prev.status ||
    next.plan !== prev.plan ||
    next.subscriptionId !== prev.subscriptionId ||
    !sameTime(next.graceEndsAt, prev.graceEndsAt);
  if (changed) {
    await insertAuditRow(
      tx,
      { principalType: principal.type, principalId: principal.id },
      {
        tenantId: locked.tenantId,
        occurredAt: new Date(),
        method: BILLING_SUBSCRIPTION_METHOD,
        status: 'ok',
        request,
        response: { before: summary(prev), after: summary(next) },
      },
    );
  }
  return { changed, recorded };
}
