import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { updatedAt } from './columns.ts';
import { tenants } from './tenancy.ts';

/** Stripe subscription states Toolgate acts on (`incomplete*`, `unpaid`, `paused` are stored as they come). */
export const BILLING_STATUSES = ['trialing', 'active', 'past_due', 'canceled'] as const;
export type BillingStatus = (typeof BILLING_STATUSES)[number];

/**
 * A tenant's Stripe customer and subscription (only with STRIPE_SECRET_KEY): the subscription's
 * state as Stripe last reported it, read from the subscription object itself (never from the
 * order of events), and what Toolgate derived from it. `tenants.plan` stays the plan in force.
 */
export const tenantBilling = pgTable(
  'tenant_billing',
  {
    tenantId: uuid()
      .primaryKey()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    stripeCustomerId: text().notNull(),
    stripeSubscriptionId: text(),
    /** The subscription's `status` as Stripe reports it (trialing, active, past_due, canceled, …). */
    status: text(),
    /** The configured plan whose price the subscription is for; null when no plan has that price. */
    plan: text(),
    priceId: text(),
    currentPeriodEnd: timestamp({ withTimezone: true }),
    /** Set when the subscription became past_due: the paid plan holds until then, then the free plan applies. */
    graceEndsAt: timestamp({ withTimezone: true }),
    /** Tool calls are reported to the Stripe billing meter up to (excluding) this instant. */
    meterReportedThrough: timestamp({ withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('tenant_billing_customer_idx').on(t.stripeCustomerId),
    index('tenant_billing_grace_idx')
      .on(t.graceEndsAt)
      .where(sql`${t.graceEndsAt} is not null`),
  ],
);

/** Stripe webhook events already applied: each event id is applied once. */
export const stripeEvents = pgTable('stripe_events', {
  id: text().primaryKey(),
  type: text().notNull(),
  /** The tenant the event concerned, when one was found. */
  tenantId: uuid().references(() => tenants.id, { onDelete: 'set null' }),
  receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** Quota warnings sent (80% and 100% of the monthly tool-call quota), once per period each. */
export const quotaNotices = pgTable(
  'quota_notices',
  {
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** The start of the quota period (UTC calendar month). */
    periodStart: timestamp({ withTimezone: true }).notNull(),
    /** Percent of the quota reached: 80 or 100. */
    threshold: integer().notNull(),
    sentAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: 'quota_notices_pk', columns: [t.tenantId, t.periodStart, t.threshold] })],
);
