import type { PlansConfig } from '@toolgate/core/plans';
import { DEFAULT_AUDIT_RETENTION_DAYS } from '@toolgate/core/usage';
import type { Database } from '@toolgate/db/client';
import { tenants } from '@toolgate/db/schema';
import { auditRetentionDays } from '@toolgate/db/usage';
import { eq, sql } from 'drizzle-orm';
import type { AuditRetention } from '../schemas/usage.ts';
import { planOfTenant } from './plans/plan-features.ts';

export interface GetAuditRetentionOptions {
  db: Database;
  tenantId: string;
  /** The deployment's plans: the plan's `auditRetentionDays` caps what is kept. Absent: no cap. */
  plans?: PlansConfig;
}

export interface PlanAuditRetention extends AuditRetention {
  /** The most days the tenant's plan (or the operator's override) allows; absent: no limit. */
  planMaxDays?: number;
}

/**
 * How many days the tenant's audit events are kept: its setting (or the default), but never
 * more than its plan allows — what the worker's retention run actually keeps.
 */
export async function getAuditRetention({
  db,
  tenantId,
  plans,
}: GetAuditRetentionOptions): Promise<PlanAuditRetention> {
  const [row] = await db
    .select({ days: sql<unknown>`${tenants.settings} -> 'auditRetentionDays'` })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  const setting = row?.days ?? null;
  const days = auditRetentionDays(setting, DEFAULT_AUDIT_RETENTION_DAYS);
  const max = plans ? (await planOfTenant(db, tenantId, plans)).limits.auditRetentionDays : null;
  if (max === null) return { days, isDefault: setting === null };
  return { days: Math.min(days, max), isDefault: setting === null, planMaxDays: max };
}
