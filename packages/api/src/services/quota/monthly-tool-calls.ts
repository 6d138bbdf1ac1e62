import type { Database } from '@toolgate/db/client';
import { usageRollups } from '@toolgate/db/schema';
import { and, eq, gte, inArray, lt, ne, sql } from 'drizzle-orm';

/** A quota period: the UTC calendar month [start, end) the proxy's monthly counter also uses. */
export interface QuotaPeriod {
  start: Date;
  end: Date;
}

/**
 * What the monthly quota counts, read from the per-minute rollups: tools/call requests that ran
 * (`ok`, `tool_error`, `error`), not those refused (`denied`: policies, rate limits, the quota
 * itself). The conditions follow the rollups' primary key (tenant, minute, …), so each tenant's
 * month is one index range.
 */
const countedCalls = (period: QuotaPeriod) => [
  gte(usageRollups.minute, period.start),
  lt(usageRollups.minute, period.end),
  eq(usageRollups.method, 'tools/call'),
  ne(usageRollups.status, 'denied'),
];

const total = sql<string | number | null>`sum(${usageRollups.count})`;

/** Tool calls counted against one tenant's quota in the period. */
export async function monthlyToolCalls(db: Database, tenantId: string, period: QuotaPeriod): Promise<number> {
  const [row] = await db
    .select({ total })
    .from(usageRollups)
    .where(and(eq(usageRollups.tenantId, tenantId), ...countedCalls(period)));
  return Number(row?.total ?? 0);
}

/** The same for many tenants in one query; tenants without calls are absent (0). */
export async function monthlyToolCallsByTenant(
  db: Database,
  tenantIds: readonly string[],
  period: QuotaPeriod,
): Promise<Map<string, number>> {
  if (tenantIds.length === 0) return new Map();
  const rows = await db
    .select({ tenantId: usageRollups.tenantId, total })
    .from(usageRollups)
    .where(and(inArray(usageRollups.tenantId, [...tenantIds]), ...countedCalls(period)))
    .groupBy(usageRollups.tenantId);
  return new Map(rows.map((r) => [r.tenantId, Number(r.total ?? 0)]));
}
