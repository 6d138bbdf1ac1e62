import { ALL_TENANTS, type ConfigChange, type PendingConfigChange } from '@toolgate/core/config-change';
import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { deleteRowsInChunks, type ExpireOptions } from './expire.ts';
import { configChanges, revokedIds, tenants } from './schema/index.ts';

/** A database handle or an open transaction: record changes in the transaction that makes them. */
export type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * Records a change for delivery to every proxy (the outbox), and raises the tenant's
 * configuration version. Call it inside the transaction that writes the change, so either both
 * happen or neither does; then let a relay deliver it (`relayConfigChanges`).
 */
export async function recordConfigChange(db: Executor, change: ConfigChange): Promise<PendingConfigChange> {
  const [tenant] =
    change.tenantId === ALL_TENANTS
      ? []
      : await db
          .update(tenants)
          .set({ configVersion: sql`${tenants.configVersion} + 1`, updatedAt: sql`${tenants.updatedAt}` })
          .where(eq(tenants.id, change.tenantId))
          .returning({ version: tenants.configVersion });
  const version = tenant?.version ?? 0;
  if (change.revoked) {
    const expiresAt = new Date(change.revoked.expiresAt * 1000);
    await db
      .insert(revokedIds)
      .values({ id: change.revoked.id, tenantId: change.tenantId, expiresAt })
      .onConflictDoUpdate({
        target: revokedIds.id,
        set: { expiresAt: sql`greatest(${revokedIds.expiresAt}, excluded.expires_at)` },
      });
  }
  const [row] = await db
    .insert(configChanges)
    .values({ tenantId: change.tenantId, version, change })
    .returning({ seq: configChanges.seq });
  return { seq: row!.seq, version, change };
}

/** Forgets changes once delivered. */
export async function deleteConfigChanges(db: Database, seqs: readonly number[]): Promise<void> {
  if (seqs.length > 0) await db.delete(configChanges).where(inArray(configChanges.seq, [...seqs]));
}

export interface RelayResult {
  delivered: number;
  /** Left for the next attempt (delivery stops at the first failure, keeping order). */
  pending: number;
}

export interface RelayOptions {
  /** Only changes recorded at least this long ago: younger ones are being delivered by their writer. */
  olderThanMs?: number;
  /** Only these tenants' changes (tests that share one database between several buses). */
  tenantIds?: readonly string[];
  limit?: number;
}

/**
 * Delivers recorded changes in order with `apply` and deletes those delivered. Several relays
 * may run at once (web, workers): a change may be applied twice, never lost — every effect of
 * a change is idempotent.
 */
export async function relayConfigChanges(
  db: Database,
  apply: (pending: PendingConfigChange) => Promise<void>,
  { olderThanMs = 0, tenantIds, limit = 200 }: RelayOptions = {},
): Promise<RelayResult> {
  const before = new Date(Date.now() - olderThanMs);
  const rows = await db
    .select()
    .from(configChanges)
    .where(
      and(
        lte(configChanges.createdAt, before),
        tenantIds ? inArray(configChanges.tenantId, [...tenantIds]) : undefined,
      ),
    )
    .orderBy(asc(configChanges.seq))
    .limit(limit);
  const delivered: number[] = [];
  let failure: { seq: number; error: string } | undefined;
  for (const row of rows) {
    try {
      await apply({ seq: row.seq, version: row.version, change: row.change });
      delivered.push(row.seq);
    } catch (err) {
      failure = { seq: row.seq, error: err instanceof Error ? err.message : String(err) };
      break;
    }
  }
  await deleteConfigChanges(db, delivered);
  if (failure) {
    await db
      .update(configChanges)
      .set({ attempts: sql`${configChanges.attempts} + 1`, lastError: failure.error.slice(0, 500) })
      .where(eq(configChanges.seq, failure.seq));
  }
  return { delivered: delivered.length, pending: rows.length - delivered.length };
}

/** Changes recorded and not yet delivered (readiness and metrics). */
export async function countPendingConfigChanges(db: Database): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(configChanges);
  return row?.n ?? 0;
}

/** Which of `ids` are revoked now, from the durable record (when the cache cannot say). */
export async function findRevokedIds(
  db: Database,
  ids: readonly string[],
  now = new Date(),
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: revokedIds.id })
    .from(revokedIds)
    .where(and(inArray(revokedIds.id, [...ids]), gt(revokedIds.expiresAt, now)));
  return rows.map((r) => r.id);
}

/** Every live revocation, to load into an emptied cache. */
export async function liveRevokedIds(
  db: Database,
  now = new Date(),
): Promise<{ id: string; expiresAt: number }[]> {
  const rows = await db
    .select({ id: revokedIds.id, expiresAt: revokedIds.expiresAt })
    .from(revokedIds)
    .where(gt(revokedIds.expiresAt, now));
  return rows.map((r) => ({ id: r.id, expiresAt: Math.floor(r.expiresAt.getTime() / 1000) }));
}

/** Retention: revocations past their expiry refuse nothing. */
export function expireRevokedIds(db: Database, options: ExpireOptions = {}): Promise<number> {
  const now = options.now ?? new Date();
  return deleteRowsInChunks(db, 'revoked_ids', sql`expires_at < ${now.toISOString()}`, options);
}
