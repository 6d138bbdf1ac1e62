import type { Logger } from '@toolgate/core/logger';
import type { Database } from '@toolgate/db/client';
import { expireRevokedIds } from '@toolgate/db/config-outbox';
import { purgeDeletedTenants } from '@toolgate/db/tenancy';
import { expireOAuthRecords } from '@toolgate/db/oauth-retention';
import { expireAuditEvents, expireProcessedBatches, expireUsageRollups } from '@toolgate/db/usage';

export interface RetentionOptions {
  db: Database;
  log: Logger;
  intervalMs: number;
  /** Audit retention of tenants without an `auditRetentionDays` setting. */
  defaultAuditDays: number;
  rollupDays: number;
  /** How long applied batch ids are remembered (must outlast any redelivery). */
  batchIdHours: number;
}

export interface RetentionResult {
  auditEvents: number;
  rollups: number;
  batchIds: number;
  /** Spent authorization codes, refresh tokens and assertion ids of the OAuth server, and expired revocations. */
  oauthRecords: number;
}

const DAY_MS = 86_400_000;

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
}: RetentionOptions) {
  let first: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RetentionResult> | undefined;

  async function run(now = new Date()): Promise<RetentionResult> {
    const auditEvents = await expireAuditEvents(db, { defaultRetentionDays: defaultAuditDays, now });
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
