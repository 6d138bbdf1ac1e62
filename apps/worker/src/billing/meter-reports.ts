import type { BillingConfig } from '@toolgate/core/billing-config';
import type { Logger } from '@toolgate/core/logger';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Mailer } from '@toolgate/api/mail/mailer';
import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { periodicJob, type PeriodicJob } from '../periodic.ts';

export interface MeterReportsOptions {
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

/** Reports tool calls to the Stripe billing meter from the usage rollups, batched, with idempotent identifiers, catching up after an outage. */
export function createMeterReports(options: MeterReportsOptions): PeriodicJob<unknown> {
  // Placeholder wiring (issue 18, in progress): the pass is written in this file.
  return periodicJob('meter-reports', 0, options.log, () => Promise.resolve(undefined));
}
