import type { Database } from '@toolgate/db/client';
import { tenants } from '@toolgate/db/schema';
import { eq, sql } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { ZSetAuditRetentionRequest, type AuditRetention } from '../schemas/usage.ts';
import { parseInput } from '../validation.ts';

export interface SetAuditRetentionOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  /** ZSetAuditRetentionRequest: { days: 1–365 } */
  input: unknown;
}

/**
 * Sets how many days audit events are kept (owners and admins). The worker's retention run
 * deletes older events; rollups, and so the dashboards, are not affected.
 */
export async function setAuditRetention({
  db,
  tenantId,
  actor,
  input,
}: SetAuditRetentionOptions): Promise<AuditRetention> {
  requireAdmin(actor, 'change how long the audit log is kept');
  const { days } = parseInput(ZSetAuditRetentionRequest, input);
  // Merged into the settings object, so other settings written meanwhile are kept.
  await db
    .update(tenants)
    .set({ settings: sql`${tenants.settings} || jsonb_build_object('auditRetentionDays', ${days}::int)` })
    .where(eq(tenants.id, tenantId));
  return { days, isDefault: false };
}
