import type { BillingConfig } from '@toolgate/core/billing-config';
import { DEFAULT_PLANS_CONFIG, type PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { usageRollups } from '@toolgate/db/schema';
import { and, eq, gte, lt, ne, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { toIso, toIsoOrNull } from '../../schemas/common.ts';
import { tenantEntitlements } from '../plans/tenant-entitlements.ts';
import { billingClient, billingRowOf, isSubscribed, type BillingScope } from './billing-access.ts';
import type { BillingOverview, Invoice, PlanPrice } from './billing-schemas.ts';

export interface BillingOverviewOptions extends BillingScope {
  plans?: PlansConfig;
  /** The clock (tests); the usage period is the UTC month of this instant. */
  now?: Date;
}

/** Invoices shown on the Billing page: the latest few; the portal lists them all. */
const INVOICES_SHOWN = 12;

/** Prices rarely change; asking Stripe once a few minutes keeps the Billing page quick. */
const PRICE_TTL_MS = 5 * 60_000;
const priceCaches = new WeakMap<BillingConfig, Map<string, { price: PlanPrice; expiresAt: number }>>();

async function priceOf(stripe: Stripe, billing: BillingConfig, priceId: string): Promise<PlanPrice> {
  let cache = priceCaches.get(billing);
  if (!cache) priceCaches.set(billing, (cache = new Map<string, { price: PlanPrice; expiresAt: number }>()));
  const cached = cache.get(priceId);
  if (cached && cached.expiresAt > Date.now()) return cached.price;
  const price = await stripe.prices.retrieve(priceId);
  const shaped: PlanPrice = {
    amount: price.unit_amount,
    currency: price.currency,
    interval: price.recurring?.interval ?? null,
  };
  cache.set(priceId, { price: shaped, expiresAt: Date.now() + PRICE_TTL_MS });
  return shaped;
}

/** The UTC calendar month of `now`: the quota period. */
export function monthOf(now: Date): { start: Date; end: Date } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start, end };
}

/** Tool calls in the period as the monthly quota counts them: refused-by-policy calls are not counted. */
async function toolCallsIn(db: Database, tenantId: string, start: Date, end: Date): Promise<number> {
  const [row] = await db
    .select({ calls: sql<string | null>`sum(${usageRollups.count})` })
    .from(usageRollups)
    .where(
      and(
        eq(usageRollups.tenantId, tenantId),
        eq(usageRollups.method, 'tools/call'),
        ne(usageRollups.status, 'denied'),
        gte(usageRollups.minute, start),
        lt(usageRollups.minute, end),
      ),
    );
  return Number(row?.calls ?? 0);
}

const invoiceOf = (invoice: Stripe.Invoice): Invoice => ({
  id: invoice.id ?? '',
  number: invoice.number ?? null,
  status: invoice.status ?? null,
  total: invoice.total,
  currency: invoice.currency,
  createdAt: toIso(new Date(invoice.created * 1000)),
  hostedUrl: invoice.hosted_invoice_url ?? null,
  pdfUrl: invoice.invoice_pdf ?? null,
});

/**
 * The Billing page (owners): the plan in force, the subscription's state, this period's tool
 * calls, the plans that can be bought (with Stripe's prices) and the latest invoices. When
 * Stripe cannot be reached the rest is still shown, and `stripeUnavailable` says what is missing.
 */
export async function getBillingOverview({
  db,
  tenantId,
  actor,
  billing,
  plans = DEFAULT_PLANS_CONFIG,
  now = new Date(),
}: BillingOverviewOptions): Promise<BillingOverview> {
  const stripe = billingClient(actor, billing);
  const period = monthOf(now);
  const [entitlements, row, toolCalls] = await Promise.all([
    tenantEntitlements(db, tenantId, plans),
    billingRowOf(db, tenantId),
    toolCallsIn(db, tenantId, period.start, period.end),
  ]);

  let stripeUnavailable = false;
  const buyable = Object.values(plans.plans).filter((p) => p.stripePriceId);
  const prices = await Promise.all(
    buyable.map((p) =>
      priceOf(stripe, billing!, p.stripePriceId!).catch(() => {
        stripeUnavailable = true;
        return null;
      }),
    ),
  );
  let invoices: Invoice[] = [];
  if (row) {
    try {
      const list = await stripe.invoices.list({ customer: row.stripeCustomerId, limit: INVOICES_SHOWN });
      invoices = list.data.map(invoiceOf);
    } catch {
      stripeUnavailable = true;
    }
  }

  return {
    plan: entitlements.plan,
    status: row?.status ?? null,
    hasCustomer: Boolean(row),
    subscribed: isSubscribed(row),
    currentPeriodEnd: toIsoOrNull(row?.currentPeriodEnd ?? null),
    graceEndsAt: toIsoOrNull(row?.graceEndsAt ?? null),
    usage: {
      periodStart: toIso(period.start),
      periodEnd: toIso(period.end),
      toolCalls,
      limit: entitlements.limits.callsPerMonth,
    },
    plans: buyable.map((p, i) => ({
      name: p.name,
      title: p.title,
      priceId: p.stripePriceId!,
      price: prices[i] ?? null,
      metered: Boolean(p.stripeMeteredPriceId),
      current: p.name === entitlements.plan.name,
    })),
    invoices,
    stripeUnavailable,
  };
}
