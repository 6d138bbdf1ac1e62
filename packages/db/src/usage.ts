import { policyDecisionOf } from '@toolgate/core/dlp';
import {
  DEFAULT_AUDIT_RETENTION_DAYS,
  isErrorStatus,
  LATENCY_BUCKET_COUNT,
  latencyBucket,
  rollupMethod,
  type UsageEvent,
} from '@toolgate/core/usage';
import { inArray, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { deleteRowsInChunks, type ExpireOptions } from './expire.ts';
import { agentOf, auditColumns, filterColumns, insertAuditSql } from './usage-audit-rows.ts';
import { processedUsageBatches, tenants, usageRollups } from './schema/index.ts';

export interface AppliedUsageBatch {
  /** False when the batch id had been applied before (a redelivery): nothing was written. */
  applied: boolean;
  /** Audit rows written (events of tenants that no longer exist are skipped). */
  events: number;
  /** Rollup rows inserted or added to. */
  rollups: number;
}

/**
 * Applies one usage batch in ONE transaction: marks its id processed (a redelivered batch stops
 * there), writes its audit events with one multi-row insert, and adds its per-minute rollups,
 * aggregated in memory first, with one upsert. Only this transaction's own queries are awaited
 * inside it (embedded PGlite serialises every connection behind an open transaction).
 */
export async function applyUsageBatch(
  db: Database,
  batch: { id: string; events: readonly UsageEvent[] },
): Promise<AppliedUsageBatch> {
  const tenantIds = [...new Set(batch.events.map((e) => e.tenantId))];
  const rollups = aggregateRollups(batch.events);
  const audit = auditColumns(batch.events);
  return db.transaction(async (tx) => {
    const marked = await tx
      .insert(processedUsageBatches)
      .values({ batchId: batch.id })
      .onConflictDoNothing()
      .returning({ batchId: processedUsageBatches.batchId });
    if (marked.length === 0) return { applied: false, events: 0, rollups: 0 };
    if (batch.events.length === 0) return { applied: true, events: 0, rollups: 0 };

    // A tenant deleted since its events were recorded takes its usage with it (and its
    // foreign keys would refuse the rows anyway).
    const live = new Set(
      (await tx.select({ id: tenants.id }).from(tenants).where(inArray(tenants.id, tenantIds))).map(
        (t) => t.id,
      ),
    );
    const keep = live.size === tenantIds.length ? undefined : audit.tenantId.map((t) => live.has(t));
    const columns = keep ? filterColumns(audit, keep) : audit;
    if (columns.id.length > 0) await tx.execute(insertAuditSql(columns));
    const rows = live.size === tenantIds.length ? rollups : rollups.filter((r) => live.has(r.tenantId));
    if (rows.length > 0) {
      await tx
        .insert(usageRollups)
        .values(rows)
        .onConflictDoUpdate({
          target: [
            usageRollups.tenantId,
            usageRollups.minute,
            usageRollups.gatewayId,
            usageRollups.installationId,
            usageRollups.toolName,
            usageRollups.method,
            usageRollups.status,
            usageRollups.principalId,
            usageRollups.authMethod,
            usageRollups.agent,
            usageRollups.policyDecision,
            usageRollups.dlpOutcome,
            usageRollups.variant,
          ],
          set: {
            count: sql`${usageRollups.count} + excluded.count`,
            errors: sql`${usageRollups.errors} + excluded.errors`,
            latencyMsSum: sql`${usageRollups.latencyMsSum} + excluded.latency_ms_sum`,
            // Element-wise sum; a shorter array (buckets appended since) counts as zeros.
            latencyBuckets: sql`array(
              select coalesce(a, 0) + coalesce(b, 0)
              from unnest(${usageRollups.latencyBuckets}, excluded.latency_buckets) with ordinality as u(a, b, i)
              order by i)`,
            requestBytes: sql`${usageRollups.requestBytes} + excluded.request_bytes`,
            responseBytes: sql`${usageRollups.responseBytes} + excluded.response_bytes`,
          },
        });
    }
    return { applied: true, events: columns.id.length, rollups: rows.length };
  });
}

type RollupRow = typeof usageRollups.$inferInsert & {
  tenantId: string;
  count: number;
  errors: number;
  latencyMsSum: number;
  latencyBuckets: number[];
  requestBytes: number;
  responseBytes: number;
};

const MINUTE_MS = 60_000;

/**
 * One row per (tenant, minute, gateway, installation, tool, method, status, caller, auth
 * method, agent, policy decision, DLP outcome, canary variant), sorted by key so concurrent upserts lock rows in
 * the same order (no deadlocks). Events of proxies that predate the agent or guardrails roll up
 * under '' (none), like older rows.
 */
export function aggregateRollups(events: readonly UsageEvent[]): RollupRow[] {
  const byKey = new Map<string, RollupRow>();
  for (const e of events) {
    const minute = Math.floor(e.at / MINUTE_MS) * MINUTE_MS;
    const method = rollupMethod(e.method);
    const agent = agentOf(e) ?? '';
    const policyDecision = policyDecisionOf(e.policyOutcome);
    const dlpOutcome = e.dlpOutcome ?? '';
    const variant = e.variant ?? '';
    const key = [
      e.tenantId,
      minute,
      e.gatewayId ?? '',
      e.installationId ?? '',
      e.toolName ?? '',
      method,
      e.status,
      e.principalId ?? '',
      e.authMethod ?? '',
      agent,
      policyDecision,
      dlpOutcome,
      variant,
    ].join('\u0000');
    let row = byKey.get(key);
    if (!row) {
      row = {
        tenantId: e.tenantId,
        minute: new Date(minute),
        gatewayId: e.gatewayId ?? '',
        installationId: e.installationId ?? '',
        toolName: e.toolName ?? '',
        method,
        status: e.status,
        principalId: e.principalId ?? '',
        authMethod: e.authMethod ?? '',
        agent,
        policyDecision,
        dlpOutcome,
        variant,
        count: 0,
        errors: 0,
        latencyMsSum: 0,
        latencyBuckets: new Array<number>(LATENCY_BUCKET_COUNT).fill(0),
        requestBytes: 0,
        responseBytes: 0,
      };
      byKey.set(key, row);
    }
    row.count++;
    if (isErrorStatus(e.status)) row.errors++;
    row.latencyMsSum += e.latencyMs;
    row.latencyBuckets[latencyBucket(e.latencyMs)]!++;
    row.requestBytes += e.requestBytes;
    row.responseBytes += e.responseBytes;
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

export type { ExpireOptions };

const DAY_MS = 86_400_000;
const MAX_RETENTION_DAYS = 3_650;

/** A tenant's audit retention: its `auditRetentionDays` setting when sensible, else the default. */
export function auditRetentionDays(setting: unknown, fallback = DEFAULT_AUDIT_RETENTION_DAYS): number {
  const days = typeof setting === 'string' ? Number(setting) : setting;
  return typeof days === 'number' && Number.isFinite(days) && days >= 1
    ? Math.min(Math.floor(days), MAX_RETENTION_DAYS)
    : fallback;
}

/**
 * Deletes audit events older than each tenant's retention, in bounded chunks along the
 * (tenant, time) index. Rows another deleter holds are skipped, so concurrent workers can
 * run this at the same time. Returns how many rows went.
 */
export async function expireAuditEvents(
  db: Database,
  {
    defaultRetentionDays = DEFAULT_AUDIT_RETENTION_DAYS,
    ...options
  }: ExpireOptions & {
    defaultRetentionDays?: number;
  } = {},
): Promise<number> {
  const now = options.now ?? new Date();
  const rows = await db
    .select({ id: tenants.id, days: sql<unknown>`${tenants.settings} -> 'auditRetentionDays'` })
    .from(tenants);
  let deleted = 0;
  for (const tenant of rows) {
    const cutoff = new Date(now.getTime() - auditRetentionDays(tenant.days, defaultRetentionDays) * DAY_MS);
    deleted += await deleteRowsInChunks(
      db,
      'audit_events',
      sql`tenant_id = ${tenant.id} and occurred_at < ${cutoff.toISOString()}`,
      options,
    );
  }
  return deleted;
}

/** Deletes rollup minutes before `olderThan`, in bounded chunks along the minute index. */
export function expireUsageRollups(db: Database, olderThan: Date, options: ExpireOptions = {}) {
  return deleteRowsInChunks(db, 'usage_rollups', sql`minute < ${olderThan.toISOString()}`, options);
}

/** Forgets processed batch ids older than `olderThan` (long past any redelivery). */
export function expireProcessedBatches(db: Database, olderThan: Date, options: ExpireOptions = {}) {
  return deleteRowsInChunks(
    db,
    'processed_usage_batches',
    sql`processed_at < ${olderThan.toISOString()}`,
    options,
  );
}
