import type { BillingConfig } from '@toolgate/core/billing-config';
import type { Logger } from '@toolgate/core/logger';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Mailer } from '@toolgate/api/mail/mailer';
import { endGracePeriods } from '@toolgate/api/services/billing';
import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { periodicJob, type PeriodicJob } from '../periodic.ts';

export interface GraceSweepOptions {
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

/**
 * Drops tenants whose past_due grace period ended to the free (default) plan. The webhook does
 * the same when a past_due report arrives after the grace period; this pass covers the usual
 * case, where Stripe says nothing more until it gives up on the invoice.
 */
export function createGraceSweep(options: GraceSweepOptions): PeriodicJob<{ ended: string[] }> {
  const { db, bus, log, billing } = options;
  return periodicJob('grace-sweep', billing ? options.intervalMs : 0, log, async (now) => {
    if (!billing) return { ended: [] };
    const result = await endGracePeriods({ db, bus, now });
    if (result.ended.length > 0)
      log.info({ tenants: result.ended }, 'grace period ended: tenants moved to the free plan');
    return result;
  });
}
