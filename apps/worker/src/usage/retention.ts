import type { Logger } from '@toolgate/core/logger';
import { effectiveLimits, resolvePlan, type PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { tenants } from '@toolgate/db/schema';
import { expireRevokedIds } from '@toolgate/db/config-outbox';
import { purgeDeletedTenants } from '@toolgate/db/tenancy';
import { expireOAuthRecords } from '@toolgate/db/oauth-retention';
import {
  auditRetentionDays,
  expireAuditEvents,
  expireProcessedBatches,
  expireUsageRollups,
} from '@toolgate/db/usage';
import { sql } from 'drizzle-orm';

export interface RetentionOptions {
  db: Database;
  log: Logger;
  intervalMs: number;
  /** Audit retention of tenants without an `auditRetentionDays` setting. */
  defaultAuditDays: number;
  rollupDays: number;
  /** How long applied batch ids are remembered (must outlast any redelivery). */
  batchIdHours: number;
  /**
   * The deployment's plans: a tenant's audit events are kept no longer than its plan's (or its
   * override's) `auditRetentionDays`, whatever its own setting. Absent: the settings alone.
   */
  plans?: PlansConfig;
}

export interface RetentionResult {
  auditEvents: number;
  rollups: number;
  batchIds: number;
  /** Spent authorization codes, refresh tokens and assertion ids of the OAuth server, and expired revocations. */
  oauthRecords: number;
}

const DAY_MS = 86_400_000;

export interface PlanRetentionOptions {
  /** The retention of tenants without a setting (as for expireAuditEvents). */
  defaultRetentionDays: number;
  now: Date;
  /** Rows per DELETE; each is its own short statement. */
  chunkSize?: number;
  /** Upper bound on statements per tenant and run. */
  maxChunks?: number;
}

/**
 * Deletes the audit events a tenant's plan no longer allows keeping: for each tenant whose
 * effective `auditRetentionDays` (plan, or the operator's override) is shorter than its own
 * setting (or the default), the events older than the plan's limit. The settings' cutoff is
 * applied by expireAuditEvents; this only adds the plan's, so a tenant keeps events for the
 * smaller of the two. Chunked like the other expiries (short statements, rows another deleter
 * holds skipped), so it may run on several workers at once. Returns how many rows went.
 */
export async function expireAuditEventsOverPlan(
  db: Database,
  plans: PlansConfig,
  { defaultRetentionDays, now, chunkSize = 5_000, maxChunks = 1_000 }: PlanRetentionOptions,
): Promise<number> {
  const rows = await db
    .select({
      id: tenants.id,
      plan: tenants.plan,
      overrides: tenants.limitOverrides,
      days: sql<unknown>`${tenants.settings} -> 'auditRetentionDays'`,
    })
    .from(tenants);
  let deleted = 0;
  for (const tenant of rows) {
    const { plan } = resolvePlan(plans, tenant.plan);
    const cap = effectiveLimits(plan, tenant.overrides).limits.auditRetentionDays;
    if (cap === null || cap >= auditRetentionDays(tenant.days, defaultRetentionDays)) continue;
    // A plan limit of 0 days keeps nothing older than now.
    const cutoff = new Date(now.getTime() - cap * DAY_MS).toISOString();
    for (let i = 0; i < maxChunks; i++) {
      const result = await db.execute(sql`
        delete from audit_events where ctid = any(array(
          select ctid from audit_events where tenant_id = ${tenant.id} and occurred_at < ${cutoff}
          limit ${chunkSize} for update skip locked))`);
      const count = result.rowCount ?? 0;
      deleted += count;
      if (count < chunkSize) break;
    }
  }
  return deleted;
}

/**
 * Expires data by time, on a timer: audit events per tenant retention, old rollup minutes, old
 * processed batch ids, and spent OAuth codes, refresh tokens and assertion ids. Short chunked deletes, no long transactions, so it may run
 * next to the consumers (and on several workers at once).
 */
export function createRetention({
  db,
  log,
  intervalMs,
  defaultAuditDays,
  rollupDays,
  batchIdHours,
  plans,
}: RetentionOptions) {
  let first: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RetentionResult> | undefined;

  async function run(now = new Date()): Promise<RetentionResult> {
    // Each tenant's setting (or the default) first, then the plan's shorter limit where it has one.
    const auditEvents =
      (await expireAuditEvents(db, { defaultRetentionDays: defaultAuditDays, now })) +
      (plans
        ? await expireAuditEventsOverPlan(db, plans, { defaultRetentionDays: defaultAuditDays, now })
        : 0);
    const rollups = await expireUsageRollups(db, new Date(now.getTime() - rollupDays * DAY_MS));
    const batchIds = await expireProcessedBatches(db, new Date(now.getTime() - batchIdHours * 3_600_000));
    const oauth = await expireOAuthRecords(db, { now });
    // Revocations past their expiry refuse nothing any more.
    const revocations = await expireRevokedIds(db, { now });
    // Workspaces their owners deleted: everything of theirs, audit included.
    const purged = await purgeDeletedTenants(db);
    if (purged > 0) log.info({ workspaces: purged }, 'deleted workspaces purged');
    const oauthRecords = oauth.codes + oauth.refreshTokens + oauth.assertionJtis + revocations;
    if (auditEvents + rollups + batchIds + oauthRecords > 0)
      log.info({ auditEvents, rollups, batchIds, oauth }, 'usage data and spent OAuth records expired');
    return { auditEvents, rollups, batchIds, oauthRecords };
  }

  /** One pass now (or the pass already under way). */
  function runOnce(now?: Date): Promise<RetentionResult> {
    running ??= run(now).finally(() => (running = undefined));
    return running;
  }

  return {
    runOnce,
    start() {
      if (timer) return;
      const tick = () => {
        runOnce().catch((err: unknown) =>
          log.warn({ err: (err as Error).message }, 'usage retention failed'),
        );
      };
      // The first pass soon after start, then every interval.
      first = setTimeout(tick, Math.min(intervalMs, 60_000));
      first.unref();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      timer = undefined;
      await running?.catch(() => {});
    },
  };
}
