import type { Mailer } from '@toolgate/api/mail/mailer';
import {
  deliverDueApprovalAnnouncements,
  type AnnouncementBatchResult,
} from '@toolgate/api/services/approvals';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import type { Database } from '@toolgate/db/client';

export interface ApprovalAnnouncerOptions {
  db: Database;
  log: Logger;
  mailer: Mailer;
  publicWebUrl: string;
  secretKeys?: KeyRing;
  allowPrivate: boolean;
  /** How often the outbox is looked at; 0 turns announcements off. */
  intervalMs: number;
  timeoutMs: number;
  /** Delay before a webhook's first retry (then four times longer each time). */
  backoffMs?: number;
}

/** Batches one pass delivers at most, so a pass ends even while requests keep coming. */
const MAX_BATCHES_PER_PASS = 20;
const BATCH = 16;

/**
 * Announces new and decided approval requests (the approvers' email, the workspace's webhook)
 * from the outbox every process records them in. Shared by every worker: rows are claimed.
 */
export function createApprovalAnnouncer(options: ApprovalAnnouncerOptions) {
  const { log, intervalMs } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<AnnouncementBatchResult> | undefined;

  const pass = async (): Promise<AnnouncementBatchResult> => {
    const total: AnnouncementBatchResult = { claimed: 0, delivered: 0, skipped: 0, retrying: 0, failed: 0 };
    for (let i = 0; i < MAX_BATCHES_PER_PASS; i++) {
      const batch = await deliverDueApprovalAnnouncements({ ...options, limit: BATCH });
      for (const key of Object.keys(total) as (keyof AnnouncementBatchResult)[]) total[key] += batch[key];
      if (batch.claimed < BATCH) break;
    }
    return total;
  };

  return {
    /** One pass now (or the one under way). */
    runOnce(): Promise<AnnouncementBatchResult> {
      running ??= pass().finally(() => (running = undefined));
      return running;
    },
    start() {
      if (intervalMs === 0 || timer) return;
      const tick = () => {
        void this.runOnce().catch((err: unknown) =>
          log.warn({ err: (err as Error).message }, 'approval announcements failed'),
        );
      };
      timer = setInterval(tick, intervalMs);
      timer.unref();
      tick();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
