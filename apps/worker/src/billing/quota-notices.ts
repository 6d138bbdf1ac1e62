import type { BillingConfig } from '@toolgate/core/billing-config';
import type { Logger } from '@toolgate/core/logger';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Mailer } from '@toolgate/api/mail/mailer';
import { sendQuotaNotices, type SentQuotaNotice } from '@toolgate/api/services/quota';
import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { periodicJob, type PeriodicJob } from '../periodic.ts';

export interface QuotaNoticesOptions {
  db: Database;
  bus: Bus;
  log: Logger;
  mailer: Mailer;
  plans: PlansConfig;
  /** Absent: Stripe billing is off. */
  billing?: BillingConfig;
  publicWebUrl: string;
  intervalMs: number;
}

export interface QuotaNoticesResult {
  /** Workspaces with a monthly quota. */
  checked: number;
  sent: SentQuotaNotice[];
}

/**
 * Emails owners and admins when a tenant's monthly tool calls reach 80% and 100% of its quota
 * (once per period each, whichever worker gets there first). Counts come from the usage rollups,
 * so a warning follows the calls by up to one interval plus the usage pipeline's delay.
 */
export function createQuotaNotices(options: QuotaNoticesOptions): PeriodicJob<QuotaNoticesResult> {
  const { db, log, mailer, plans, publicWebUrl } = options;
  return periodicJob('quota-notices', options.intervalMs, log, async (now) => {
    const result = await sendQuotaNotices({ db, plans, mailer, publicWebUrl, log, now });
    for (const notice of result.sent)
      log.info(
        { tenantId: notice.tenantId, threshold: notice.threshold, recipients: notice.recipients },
        'quota warning recorded',
      );
    return result;
  });
}
