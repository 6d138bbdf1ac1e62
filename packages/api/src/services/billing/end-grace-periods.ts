import type { Bus } from '@toolgate/bus';
import type { PendingConfigChange } from '@toolgate/core/config-change';
import type { Database } from '@toolgate/db/client';
import { tenantBilling, tenants } from '@toolgate/db/schema';
import { and, eq, isNotNull, lte } from 'drizzle-orm';
import { deliverChanges } from '../../invalidation.ts';
import { applyBillingState, lockBilling } from './apply-billing-state.ts';

export interface EndGracePeriodsOptions {
  db: Database;
  /** Delivers the plan changes to proxies right away (else the config relay does). */
  bus?: Bus;
  now?: Date;
  /** At most this many tenants per pass (the next pass takes the rest). */
  limit?: number;
}

/**
 * Puts tenants whose subscription is past_due and whose grace period has ended on the free
 * (default) plan: `tenants.plan` = null, every proxy told, audited. Idempotent: a tenant already
 * on the free plan is left alone, and each one is re-checked under its row lock, so a payment
 * that arrived since the query (status active again) wins.
 */
export async function endGracePeriods({
  db,
  bus,
  now = new Date(),
  limit = 100,
}: EndGracePeriodsOptions): Promise<{ ended: string[] }> {
  const due = await db
    .select({ tenantId: tenantBilling.tenantId })
    .from(tenantBilling)
    .innerJoin(tenants, eq(tenants.id, tenantBilling.tenantId))
    .where(
      and(eq(tenantBilling.status, 'past_due'), lte(tenantBilling.graceEndsAt, now), isNotNull(tenants.plan)),
    )
    .limit(limit);
  const ended: string[] = [];
  for (const { tenantId } of due) {
    const recorded = await db.transaction(async (tx): Promise<PendingConfigChange[]> => {
      const locked = await lockBilling(tx, { tenantId });
      const grace = locked?.state.graceEndsAt;
      if (!locked || locked.state.status !== 'past_due' || !grace || grace > now) return [];
      if (locked.state.tenantPlan === null) return [];
      const applied = await applyBillingState(
        tx,
        locked,
        { ...locked.state, tenantPlan: null },
        { type: 'system', id: 'system:grace-sweep' },
        { action: 'grace-ended', graceEndsAt: grace.toISOString() },
      );
      ended.push(tenantId);
      return applied.recorded;
    });
    if (bus) await deliverChanges(db, bus, recorded);
  }
  return { ended };
}
