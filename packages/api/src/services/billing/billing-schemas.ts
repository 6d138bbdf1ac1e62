import { z } from 'zod';
import { ZPlanName } from '@toolgate/core/plans';
import { ZTimestamp } from '../../schemas/common.ts';

/** `POST /billing/checkout`: the configured plan to subscribe to. */
export const ZStartCheckoutRequest = z.strictObject({ plan: ZPlanName });
export type StartCheckoutRequest = z.infer<typeof ZStartCheckoutRequest>;

/** Where to send the browser: a Stripe Checkout or Customer Portal page. */
export const ZBillingRedirect = z.object({ url: z.string() });
export type BillingRedirect = z.infer<typeof ZBillingRedirect>;

/** A price as Stripe has it; null fields when Stripe could not be asked. */
export const ZPlanPrice = z.object({
  /** In the currency's smallest unit (cents); null for prices without a fixed amount. */
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  /** `month`, `year`, …; null for one-off prices. */
  interval: z.string().nullable(),
});
export type PlanPrice = z.infer<typeof ZPlanPrice>;

export const ZBuyablePlan = z.object({
  name: z.string(),
  title: z.string(),
  priceId: z.string(),
  /** null when Stripe could not be reached. */
  price: ZPlanPrice.nullable(),
  /** Calls are also charged by usage (the plan has a metered price). */
  metered: z.boolean(),
  /** The plan in force is this one. */
  current: z.boolean(),
});
export type BuyablePlan = z.infer<typeof ZBuyablePlan>;

export const ZInvoice = z.object({
  id: z.string(),
  number: z.string().nullable(),
  /** draft, open, paid, uncollectible, void */
  status: z.string().nullable(),
  /** In the currency's smallest unit. */
  total: z.number(),
  currency: z.string(),
  createdAt: ZTimestamp,
  /** Stripe's page for the invoice (pay, download). */
  hostedUrl: z.string().nullable(),
  pdfUrl: z.string().nullable(),
});
export type Invoice = z.infer<typeof ZInvoice>;

export const ZBillingOverview = z.object({
  /** The plan in force (a past_due subscription keeps its plan until the grace period ends). */
  plan: z.object({ name: z.string(), title: z.string() }),
  /** The subscription's status as Stripe last reported it; null with no subscription. */
  status: z.string().nullable(),
  /** A Stripe customer exists: the Customer Portal can be opened. */
  hasCustomer: z.boolean(),
  /** A subscription that is not canceled: plans change in the portal, not through Checkout. */
  subscribed: z.boolean(),
  currentPeriodEnd: ZTimestamp.nullable(),
  graceEndsAt: ZTimestamp.nullable(),
  usage: z.object({
    /** The quota period: the current UTC calendar month. */
    periodStart: ZTimestamp,
    periodEnd: ZTimestamp,
    toolCalls: z.number(),
    /** The plan's (or override's) tool calls per month; null = unlimited. */
    limit: z.number().nullable(),
  }),
  plans: z.array(ZBuyablePlan),
  invoices: z.array(ZInvoice),
  /** Stripe could not be reached: prices and invoices are missing, not empty. */
  stripeUnavailable: z.boolean(),
});
export type BillingOverview = z.infer<typeof ZBillingOverview>;
