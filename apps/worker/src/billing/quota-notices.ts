import type { BillingConfig } from '@toolgate/core/billing-config';
import type { Logger } from '@toolgate/core/logger';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Mailer } from '@toolgate/api/mail/mailer';
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

/** Emails owners and admins when a tenant's monthly tool calls reach 80% and 100% of its quota (once per period each). */
export function createQuotaNotices(options: QuotaNoticesOptions): PeriodicJob<unknown> {
  // Placeholder wiring (issue 18, in progress): the pass is written in this file.
  return periodicJob('quota-notices', 0, options.log, () => Promise.resolve(undefined));
}
