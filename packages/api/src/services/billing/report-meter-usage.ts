import type Stripe from 'stripe';
import type { BillingConfig } from '@toolgate/core/billing-config';
import type { Logger } from '@toolgate/core/logger';
import type { Database } from '@toolgate/db/client';
import { tenantBilling, usageRollups } from '@toolgate/db/schema';
import { and, eq, gte, inArray, isNotNull, isNull, lt, notInArray, or, sql } from 'drizzle-orm';
import { stripeOf } from './stripe-client.ts';

const HOUR_MS = 60 * 60_000;

/**
 * Usage events reach the rollups a little after they happen (proxy batching, the queue, the
 * worker's write), so an hour is reported only once it ended at least this long ago. Calls that
 * reach the rollups later than this are not billed (an hour is never reported twice).
 */
export const METER_SETTLE_MS = 10 * 60_000;

/** Stripe accepts meter events whose timestamp lies within the past 35 calendar days. */
export const STRIPE_METER_WINDOW_MS = 35 * 24 * HOUR_MS;

/**
 * Hours this close to the edge of Stripe's window are skipped too: the request may take a while
 * (the SDK retries), and a timestamp that crosses the edge meanwhile would be refused.
 */
const WINDOW_EDGE_MARGIN_MS = 10 * 60_000;

/** Subscriptions whose usage is billed; a canceled or incomplete one reports nothing. */
export const METERED_SUBSCRIPTION_STATUSES = ['trialing', 'active', 'past_due'] as const;

/**
 * Rollup statuses that are not billed: calls refused before they ran (policy, approval, limits).
 * The rate-limit and quota names are listed ahead of their use so a refused call never bills.
 */
export const UNBILLED_CALL_STATUSES = ['denied', 'rate_limited', 'quota_exceeded'] as const;

export const DEFAULT_METER_CONCURRENCY = 4;
/** Meter events per pass, all tenants together; a long catch-up continues in the next passes. */
export const DEFAULT_METER_EVENTS_PER_PASS = 1000;

export interface ReportMeterUsageOptions {
  db: Database;
  billing: BillingConfig;
  log: Logger;
  now: Date;
  /** Default: the configuration's client (stripeOf). */
  stripe?: Stripe;
  /** Tenants reported at once. */
  concurrency?: number;
  /** Meter events sent per pass, all tenants together. */
  maxEvents?: number;
}

export interface MeterReportResult {
  /** Tenants with a metered subscription. */
  tenants: number;
  /** Meter events Stripe accepted (including ones it already had). */
  events: number;
  /** Of those, events Stripe already had under the same identifier (a resend). */
  duplicates: number;
  /** Tool calls in the accepted events. */
  calls: number;
  /** Hours with calls skipped because they are older than Stripe's window. */
  skippedHours: number;
  /** Tenants whose reporting stopped at a Stripe or database error (the next pass continues). */
  failedTenants: number;
  /** Whether the per-pass cap stopped the pass before everything due was sent. */
  capped: boolean;
}

/** The meter event identifier of a tenant's hour: the same hour always gets the same one, so Stripe drops resends. */
export function meterEventIdentifier(tenantId: string, hourStart: Date): string {
  return `tg_${tenantId}_${hourStart.toISOString()}`;
}

/** The end of the last whole UTC hour that ended at least METER_SETTLE_MS before `now`. */
export function lastSettledHourEnd(now: Date): Date {
  return new Date(Math.floor((now.getTime() - METER_SETTLE_MS) / HOUR_MS) * HOUR_MS);
}

/**
 * One pass: for each tenant with a Stripe customer and a trialing/active/past_due subscription,
 * reports tool calls that ran (`tools/call`, not refused) per whole UTC hour, from the tenant's
 * `meter_reported_through` (else the subscription's start, asked of Stripe) up to the last
 * settled hour. One meter event per hour with calls, identifier `tg_<tenantId>_<hour ISO>`,
 * timestamp the hour's last second. The cursor advances after each accepted event, so a pass that
 * dies between Stripe's answer and the update resends one hour, which Stripe drops by identifier
 * (its duplicate answer counts as accepted). A tenant stops at its first error and never skips
 * an hour, except hours older than Stripe's 35-day window, which are skipped with a warning.
 */
export async function reportMeterUsage(options: ReportMeterUsageOptions): Promise<MeterReportResult> {
  const result: MeterReportResult = {
    tenants: 0,
    events: 0,
    duplicates: 0,
    calls: 0,
    skippedHours: 0,
    failedTenants: 0,
    capped: false,
  };
  const eventName = options.billing.meterEventName;
  if (!eventName) return result;

  const accounts = await options.db
    .select({
      tenantId: tenantBilling.tenantId,
      customerId: tenantBilling.stripeCustomerId,
      subscriptionId: tenantBilling.stripeSubscriptionId,
      reportedThrough: tenantBilling.meterReportedThrough,
    })
    .from(tenantBilling)
    .where(
      and(
        isNotNull(tenantBilling.stripeSubscriptionId),
        inArray(tenantBilling.status, [...METERED_SUBSCRIPTION_STATUSES]),
      ),
    )
    .orderBy(tenantBilling.tenantId);
  result.tenants = accounts.length;

  const context: PassContext = {
    ...options,
    eventName,
    stripe: options.stripe ?? stripeOf(options.billing),
    settledThrough: lastSettledHourEnd(options.now),
    budget: options.maxEvents ?? DEFAULT_METER_EVENTS_PER_PASS,
    result,
  };
  let next = 0;
  const lane = async () => {
    while (next < accounts.length) {
      if (context.budget <= 0) {
        result.capped = true;
        return;
      }
      const account = accounts[next++]!;
      try {
        await reportTenant(context, { ...account, subscriptionId: account.subscriptionId! });
      } catch (err) {
        result.failedTenants++;
        // The Stripe SDK's messages carry no key; the customer id is not a secret.
        options.log.warn(
          { tenantId: account.tenantId, customerId: account.customerId, err: (err as Error).message },
          'meter report stopped for tenant; the next pass continues from the last accepted hour',
        );
      }
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? DEFAULT_METER_CONCURRENCY, accounts.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  return result;
}

interface PassContext extends ReportMeterUsageOptions {
  eventName: string;
  stripe: Stripe;
  settledThrough: Date;
  /** Meter events this pass may still send. */
  budget: number;
  result: MeterReportResult;
}

interface MeteredAccount {
  tenantId: string;
  customerId: string;
  subscriptionId: string;
  reportedThrough: Date | null;
}

async function reportTenant(context: PassContext, account: MeteredAccount): Promise<void> {
  const { db, log, now, result } = context;
  let from = account.reportedThrough ?? (await subscriptionStart(context, account));
  const to = context.settledThrough;
  if (from >= to) return;

  const hours = await hourlyCalls(db, account.tenantId, from, to);
  const oldestAccepted = now.getTime() - STRIPE_METER_WINDOW_MS + WINDOW_EDGE_MARGIN_MS;
  const stale = hours.filter((h) => timestampOf(h.hourStart) * 1000 < oldestAccepted);
  if (stale.length > 0) {
    const last = stale[stale.length - 1]!;
    result.skippedHours += stale.length;
    log.warn(
      {
        tenantId: account.tenantId,
        hours: stale.length,
        calls: stale.reduce((sum, h) => sum + h.calls, 0),
        from: from.toISOString(),
        through: new Date(last.hourStart.getTime() + HOUR_MS).toISOString(),
      },
      'tool calls older than the Stripe meter window (35 days) were not reported',
    );
    from = new Date(last.hourStart.getTime() + HOUR_MS);
    await advanceCursor(db, account.tenantId, from);
  }

  for (const hour of hours.slice(stale.length)) {
    if (context.budget <= 0) {
      result.capped = true;
      return;
    }
    context.budget--;
    const duplicate = await sendMeterEvent(context, account, hour);
    result.events++;
    result.calls += hour.calls;
    if (duplicate) result.duplicates++;
    from = new Date(hour.hourStart.getTime() + HOUR_MS);
    await advanceCursor(db, account.tenantId, from);
  }
  // Every hour up to the settled one is reported (the rest had no calls).
  await advanceCursor(db, account.tenantId, to);
}

interface HourCalls {
  hourStart: Date;
  calls: number;
}

/** Tool calls that ran, per UTC hour with any, in [from, to). Only this tenant's rollups. */
async function hourlyCalls(db: Database, tenantId: string, from: Date, to: Date): Promise<HourCalls[]> {
  // The hour as epoch seconds, not date_trunc: date_trunc follows the session's time zone.
  const hour = sql<string>`(floor(extract(epoch from ${usageRollups.minute}) / 3600) * 3600)::bigint`;
  const rows = await db
    .select({ hour, calls: sql<string>`sum(${usageRollups.count})` })
    .from(usageRollups)
    .where(
      and(
        eq(usageRollups.tenantId, tenantId),
        gte(usageRollups.minute, from),
        lt(usageRollups.minute, to),
        eq(usageRollups.method, 'tools/call'),
        notInArray(usageRollups.status, [...UNBILLED_CALL_STATUSES]),
      ),
    )
    .groupBy(hour)
    .orderBy(hour);
  return rows
    .map((r) => ({ hourStart: new Date(Number(r.hour) * 1000), calls: Number(r.calls) }))
    .filter((r) => r.calls > 0);
}

/** The hour's last second: inside the hour, and the latest such instant (furthest from Stripe's 35-day edge). */
const timestampOf = (hourStart: Date) => Math.floor((hourStart.getTime() + HOUR_MS) / 1000) - 1;

/** Sends one hour's meter event; true when Stripe already had it (a resend, dropped by identifier). */
async function sendMeterEvent(
  context: PassContext,
  account: MeteredAccount,
  hour: HourCalls,
): Promise<boolean> {
  const { hourStart } = hour;
  try {
    await context.stripe.billing.meterEvents.create({
      event_name: context.eventName,
      identifier: meterEventIdentifier(account.tenantId, hourStart),
      timestamp: timestampOf(hourStart),
      payload: { stripe_customer_id: account.customerId, value: String(hour.calls) },
    });
    return false;
  } catch (err) {
    if (isDuplicateIdentifier(err)) return true;
    throw err;
  }
}

/**
 * Stripe's answer to an identifier it already has: a 400 invalid_request_error, "An event already
 * exists with identifier …" (code `duplicate_meter_event` where given). The event it holds is
 * this same hour's, so the hour counts as reported.
 */
export function isDuplicateIdentifier(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string; message?: string } | null;
  if (!e || e.statusCode !== 400) return false;
  return e.code === 'duplicate_meter_event' || /already exists with identifier/i.test(e.message ?? '');
}

/**
 * Where reporting starts for a tenant never reported: the subscription's start (its current
 * period's start when Stripe gives no start date). Stored at once, so Stripe is asked only once.
 */
async function subscriptionStart(context: PassContext, account: MeteredAccount): Promise<Date> {
  const subscription = await context.stripe.subscriptions.retrieve(account.subscriptionId);
  const seconds = subscription.start_date || subscription.items.data[0]?.current_period_start;
  if (!seconds) throw new Error('the subscription has neither a start date nor a current period');
  const start = new Date(seconds * 1000);
  await context.db
    .update(tenantBilling)
    .set({ meterReportedThrough: start })
    .where(and(eq(tenantBilling.tenantId, account.tenantId), isNull(tenantBilling.meterReportedThrough)));
  return start;
}

/** Moves the tenant's cursor forward only (two workers running the same pass never move it back). */
async function advanceCursor(db: Database, tenantId: string, through: Date): Promise<void> {
  await db
    .update(tenantBilling)
    .set({ meterReportedThrough: through })
    .where(
      and(
        eq(tenantBilling.tenantId, tenantId),
        or(isNull(tenantBilling.meterReportedThrough), lt(tenantBilling.meterReportedThrough, through)),
      ),
    );
}
