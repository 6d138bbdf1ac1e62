import type { BillingConfig } from '@toolgate/core/billing-config';
import type { Logger } from '@toolgate/core/logger';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Mailer } from '@toolgate/api/mail/mailer';
import {
  reportMeterUsage,
  type MeterReportResult,
  type ReportMeterUsageOptions,
} from '@toolgate/api/services/billing';
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
  /** Default: the billing configuration's client. */
  stripe?: ReportMeterUsageOptions['stripe'];
  /** Meter events per pass, all tenants together (default DEFAULT_METER_EVENTS_PER_PASS). */
  maxEventsPerPass?: number;
}

/**
 * Reports tool calls to the Stripe billing meter from the usage rollups, batched, with idempotent
 * identifiers, catching up after an outage (reportMeterUsage has the rules). Off, and never
 * scheduled, without Stripe billing or without STRIPE_METER_EVENT_NAME.
 */
export function createMeterReports(options: MeterReportsOptions): PeriodicJob<MeterReportResult | undefined> {
  const { billing, log } = options;
  const enabled = Boolean(billing?.meterEventName);
  return periodicJob('meter-reports', enabled ? options.intervalMs : 0, log, async (now) => {
    if (!billing?.meterEventName) return undefined;
    const result = await reportMeterUsage({
      db: options.db,
      billing,
      log,
      now,
      ...(options.stripe ? { stripe: options.stripe } : {}),
      ...(options.maxEventsPerPass ? { maxEvents: options.maxEventsPerPass } : {}),
    });
    if (result.events > 0 || result.failedTenants > 0 || result.skippedHours > 0)
      log.info({ ...result }, 'meter usage reported to Stripe');
    return result;
  });
}
