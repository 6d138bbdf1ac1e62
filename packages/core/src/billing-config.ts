/**
 * Stripe billing (issue 18, docs/billing.md): on only when both STRIPE_SECRET_KEY and
 * STRIPE_WEBHOOK_SECRET are set. Without it every tenant stays on its operator-set plan.
 */
export interface BillingConfig {
  /** STRIPE_SECRET_KEY (`sk_…`): never logged. */
  secretKey: string;
  /** STRIPE_WEBHOOK_SECRET (`whsec_…`): verifies `/api/stripe/webhook` deliveries. */
  webhookSecret: string;
  /**
   * STRIPE_API_URL: where the Stripe API is (default https://api.stripe.com). Tests point it at
   * the local Stripe-compatible server (packages/fixtures stripe-server).
   */
  apiUrl?: string;
  /** STRIPE_METER_EVENT_NAME: the billing meter tool calls are reported to; unset, none are. */
  meterEventName?: string;
  /** TOOLGATE_BILLING_GRACE_DAYS: a past_due subscription keeps its plan this long, then the free plan applies. */
  graceDays: number;
}

export interface BillingEnv {
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  STRIPE_API_URL?: string;
  STRIPE_METER_EVENT_NAME?: string;
  TOOLGATE_BILLING_GRACE_DAYS?: number;
}

export const DEFAULT_BILLING_GRACE_DAYS = 7;

/** Problems with the billing variables, for an app's env validation (empty when fine). */
export function billingEnvProblems(env: BillingEnv): string[] {
  const problems: string[] = [];
  if (Boolean(env.STRIPE_SECRET_KEY) !== Boolean(env.STRIPE_WEBHOOK_SECRET))
    problems.push('STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET: set both to turn billing on, or neither');
  if (env.STRIPE_API_URL) {
    try {
      const url = new URL(env.STRIPE_API_URL);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('protocol');
    } catch {
      problems.push('STRIPE_API_URL: must be an http(s) URL');
    }
  }
  return problems;
}

/** The billing configuration, or undefined when Stripe is off. Call billingEnvProblems first. */
export function billingConfigFromEnv(env: BillingEnv): BillingConfig | undefined {
  if (!env.STRIPE_SECRET_KEY || !env.STRIPE_WEBHOOK_SECRET) return undefined;
  return {
    secretKey: env.STRIPE_SECRET_KEY,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET,
    ...(env.STRIPE_API_URL ? { apiUrl: env.STRIPE_API_URL } : {}),
    ...(env.STRIPE_METER_EVENT_NAME ? { meterEventName: env.STRIPE_METER_EVENT_NAME } : {}),
    graceDays: env.TOOLGATE_BILLING_GRACE_DAYS ?? DEFAULT_BILLING_GRACE_DAYS,
  };
}
