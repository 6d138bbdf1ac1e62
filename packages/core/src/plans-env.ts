import { z } from 'zod';
import { billingConfigFromEnv, billingEnvProblems, type BillingConfig } from './billing-config.ts';
import { loadPlansConfig, PlansConfigError, type PlansConfig } from './plans.ts';

/**
 * The plans and billing variables every process that enforces or bills reads (web, proxy,
 * worker), as zod fields to spread into an app's environment schema, with the checks to run in
 * its `superRefine`. See docs/billing.md.
 */
export const ZPlansEnvFields = {
  /** Plans and their limits: a JSON file, or the JSON itself (which wins). */
  TOOLGATE_PLANS_FILE: z.string().min(1).optional(),
  TOOLGATE_PLANS: z.string().min(1).optional(),
  /** The plan of tenants with none set; default: the file's `defaultPlan`, else `unlimited`. */
  TOOLGATE_DEFAULT_PLAN: z.string().min(1).optional(),
};

export const ZBillingEnvFields = {
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  STRIPE_API_URL: z.string().min(1).optional(),
  STRIPE_METER_EVENT_NAME: z.string().min(1).max(100).optional(),
  TOOLGATE_BILLING_GRACE_DAYS: z.coerce.number().int().min(0).max(365).optional(),
};

interface PlansEnv {
  TOOLGATE_PLANS_FILE?: string;
  TOOLGATE_PLANS?: string;
  TOOLGATE_DEFAULT_PLAN?: string;
}

const settingsOf = (env: PlansEnv) => ({
  file: env.TOOLGATE_PLANS_FILE,
  json: env.TOOLGATE_PLANS,
  defaultPlan: env.TOOLGATE_DEFAULT_PLAN,
});

/** The deployment's plans; throws PlansConfigError (run refinePlansEnv in the schema first). */
export const plansFromEnv = (env: PlansEnv): PlansConfig => loadPlansConfig(settingsOf(env));

/** Adds an issue on the variable at fault when the plans document does not load. */
export function refinePlansEnv(env: PlansEnv, ctx: z.RefinementCtx): void {
  try {
    loadPlansConfig(settingsOf(env));
  } catch (err) {
    if (!(err instanceof PlansConfigError)) throw err;
    const variable = env.TOOLGATE_PLANS
      ? 'TOOLGATE_PLANS'
      : env.TOOLGATE_PLANS_FILE
        ? 'TOOLGATE_PLANS_FILE'
        : 'TOOLGATE_DEFAULT_PLAN';
    // The message starts with the variable's name, which the issue's path already says.
    const message = err.message.startsWith(variable)
      ? err.message
          .slice(variable.length)
          .replace(/^(: | \((.*?)\): )/, (_, _m, file?: string) => (file ? `${file}: ` : ''))
      : err.message;
    ctx.addIssue({ code: 'custom', path: [variable], message });
  }
}

/** Adds an issue for each problem with the Stripe variables. */
export function refineBillingEnv(env: Parameters<typeof billingEnvProblems>[0], ctx: z.RefinementCtx): void {
  for (const problem of billingEnvProblems(env)) {
    const [variable, message] = problem.split(/: (.*)/s, 2) as [string, string];
    ctx.addIssue({ code: 'custom', path: [variable.split(' ')[0]!], message: message ?? problem });
  }
}

export { billingConfigFromEnv, type BillingConfig };
