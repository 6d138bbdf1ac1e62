import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Database } from '@toolgate/db/client';
import { upstreamConnections } from '@toolgate/db/schema';
import { and, eq, isNotNull, isNull, lt, or } from 'drizzle-orm';
import { refreshConnection, type RefreshOutcome } from './refresh-connection.ts';

/** Connections refreshed per sweep at most (the next sweep takes the rest). */
const BATCH = 50;

/**
 * Refreshes, ahead of time, every active connection whose access token expires within `aheadMs`
 * (the worker's sweep), so calls rarely meet an expired token. Rows are claimed one by one: any
 * number of workers (and proxies refreshing on a 401) may run this at once.
 */
export async function refreshDueConnections(options: {
  db: Database;
  bus: Bus;
  keys: KeyRing;
  aheadMs: number;
  allowPrivate: boolean;
  now?: Date;
}): Promise<Record<RefreshOutcome['kind'], number>> {
  const now = options.now ?? new Date();
  const before = new Date(now.getTime() + options.aheadMs);
  const due = await options.db
    .select({ id: upstreamConnections.id, tenantId: upstreamConnections.tenantId })
    .from(upstreamConnections)
    .where(
      and(
        eq(upstreamConnections.status, 'active'),
        isNotNull(upstreamConnections.refreshTokenSealed),
        lt(upstreamConnections.accessTokenExpiresAt, before),
        or(isNull(upstreamConnections.refreshClaimedUntil), lt(upstreamConnections.refreshClaimedUntil, now)),
      ),
    )
    .orderBy(upstreamConnections.accessTokenExpiresAt)
    .limit(BATCH);
  const counts: Record<RefreshOutcome['kind'], number> = {
    refreshed: 0,
    fresh: 0,
    busy: 0,
    needs_reconnect: 0,
    failed: 0,
  };
  for (const row of due) {
    const outcome = await refreshConnection({
      db: options.db,
      bus: options.bus,
      keys: options.keys,
      tenantId: row.tenantId,
      connectionId: row.id,
      unlessValidUntil: before,
      trigger: 'ahead_of_expiry',
      allowPrivate: options.allowPrivate,
      now,
    });
    counts[outcome.kind]++;
  }
  return counts;
}
