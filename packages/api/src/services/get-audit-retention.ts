import { DEFAULT_AUDIT_RETENTION_DAYS } from '@toolgate/core/usage';
import type { Database } from '@toolgate/db/client';
import { tenants } from '@toolgate/db/schema';
import { auditRetentionDays } from '@toolgate/db/usage';
import { eq, sql } from 'drizzle-orm';
import type { AuditRetention } from '../schemas/usage.ts';

export interface GetAuditRetentionOptions {
  db: Database;
  tenantId: string;
}

/** How many days the tenant's audit events are kept (its setting, or the default). */
export async function getAuditRetention({ db, tenantId }: GetAuditRetentionOptions): Promise<AuditRetention> {
  const [row] = await db
    .select({ days: sql<unknown>`${tenants.settings} -> 'auditRetentionDays'` })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  const setting = row?.days ?? null;
  return {
    days: auditRetentionDays(setting, DEFAULT_AUDIT_RETENTION_DAYS),
    isDefault: setting === null,
  };
}
