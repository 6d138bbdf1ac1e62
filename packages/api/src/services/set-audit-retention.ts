import { AppError } from '@toolgate/core/errors';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { tenants } from '@toolgate/db/schema';
import { eq, sql } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { ZSetAuditRetentionRequest } from '../schemas/usage.ts';
import { parseInput } from '../validation.ts';
import type { PlanAuditRetention } from './get-audit-retention.ts';
import { planOfTenant } from './plans/plan-features.ts';

export interface SetAuditRetentionOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  /** ZSetAuditRetentionRequest: { days: 1–365 } */
  input: unknown;
  /** The deployment's plans: more days than the plan's `auditRetentionDays` are refused. */
  plans?: PlansConfig;
}

/**
 * Sets how many days audit events are kept (owners and admins), at most what the tenant's plan
 * allows. The worker's retention run deletes older events; rollups, and so the dashboards, are
 * not affected.
 */
export async function setAuditRetention({
  db,
  tenantId,
  actor,
  input,
  plans,
}: SetAuditRetentionOptions): Promise<PlanAuditRetention> {
  requireAdmin(actor, 'change how long the audit log is kept');
  const { days } = parseInput(ZSetAuditRetentionRequest, input);
  let planMaxDays: number | undefined;
  if (plans) {
    const { plan, limits } = await planOfTenant(db, tenantId, plans);
    const max = limits.auditRetentionDays;
    if (max !== null && days > max) {
      const message = `at most ${max} days on the ${plan.title} plan`;
      throw new AppError('INVALID', `days: ${message}`, {
        fields: [{ path: 'days', message }],
        plan: plan.name,
        max,
      });
    }
    if (max !== null) planMaxDays = max;
  }
  // Merged into the settings object, so other settings written meanwhile are kept.
  await db
    .update(tenants)
    .set({ settings: sql`${tenants.settings} || jsonb_build_object('auditRetentionDays', ${days}::int)` })
    .where(eq(tenants.id, tenantId));
  return { days, isDefault: false, ...(planMaxDays === undefined ? {} : { planMaxDays }) };
}
