import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Database } from '@toolgate/db/client';
import { upstreamConnections } from '@toolgate/db/schema';
import { and, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { refreshConnection, type RefreshOutcome } from './refresh-connection.ts';

/** Connections refreshed per sweep at most (the next sweep takes the rest). */
const BATCH = 50;

/**
 * Refreshes, ahead of time, every active connection whose access token is due (the worker's
 * sweep), so calls rarely meet an expired token. A token is due when what is left of its life is
 * less than `aheadMs` and less than half of its whole life: a token that lives no longer than
 * `aheadMs` (say five minutes, with the default five minutes ahead) would otherwise be due from
 * the moment it is issued, and refreshed at every sweep, spending a refresh token and reloading
 * every proxy each time. Its life runs from the last refresh, else from the connection.
 * Rows are claimed one by one: any number of workers (and proxies refreshing on a 401) may run
 * this at once.
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
  const at = sql`${now.toISOString()}::timestamptz`;
  const issuedAt = sql`coalesce(${upstreamConnections.lastRefreshedAt}, ${upstreamConnections.connectedAt})`;
  const due = await options.db
    .select({
      id: upstreamConnections.id,
      tenantId: upstreamConnections.tenantId,
      expiresAt: upstreamConnections.accessTokenExpiresAt,
      connectedAt: upstreamConnections.connectedAt,
      lastRefreshedAt: upstreamConnections.lastRefreshedAt,
    })
    .from(upstreamConnections)
    .where(
      and(
        eq(upstreamConnections.status, 'active'),
        isNotNull(upstreamConnections.refreshTokenSealed),
        lt(upstreamConnections.accessTokenExpiresAt, before),
        // Past half its life: it has less left than it has lived.
        sql`${upstreamConnections.accessTokenExpiresAt} - ${at} < ${at} - ${issuedAt}`,
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
      // Refreshed elsewhere since it was found due: its new token outlives this.
      unlessValidUntil: validUntil(row, now, options.aheadMs),
      trigger: 'ahead_of_expiry',
      allowPrivate: options.allowPrivate,
      now,
    });
    counts[outcome.kind]++;
  }
  return counts;
}

/** When a token found due stops being due (`now` plus the smaller of `aheadMs` and half its life). */
function validUntil(
  row: { expiresAt: Date | null; connectedAt: Date; lastRefreshedAt: Date | null },
  now: Date,
  aheadMs: number,
): Date {
  const issuedAt = row.lastRefreshedAt ?? row.connectedAt;
  const life = row.expiresAt ? row.expiresAt.getTime() - issuedAt.getTime() : 0;
  return new Date(now.getTime() + Math.min(aheadMs, Math.max(0, life / 2)));
}
