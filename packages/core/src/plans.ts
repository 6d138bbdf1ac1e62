import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Plans are deployment configuration, not data: a JSON document (TOOLGATE_PLANS_FILE or
 * TOOLGATE_PLANS) names each plan's limits and features; a tenant row stores only the plan's
 * name and its own overrides. See docs/billing.md.
 */

/** Every limit a plan sets. `null` = unlimited. */
export const LIMIT_KEYS = [
  'callsPerMonth',
  'callsPerMinute',
  'callsPerMinutePerToken',
  'callsPerMinutePerUser',
  'gateways',
  'installations',
  'members',
  'auditRetentionDays',
] as const;
export type LimitKey = (typeof LIMIT_KEYS)[number];
export type Limits = Record<LimitKey, number | null>;

/** The limits counted in Postgres (enforced by the services that create them). */
export const COUNT_LIMITS = ['gateways', 'installations', 'members'] as const;
export type CountLimit = (typeof COUNT_LIMITS)[number];

export const FEATURES = ['idpJwt', 'idJag', 'policies'] as const;
export type Feature = (typeof FEATURES)[number];

export const UNLIMITED_PLAN_NAME = 'unlimited';

const zLimitValue = z
  .number({ error: 'expected a whole number ≥ 0, or null for unlimited' })
  .int({ error: 'expected a whole number ≥ 0, or null for unlimited' })
  .min(0, { error: 'expected a whole number ≥ 0, or null for unlimited' })
  .nullable();

export const ZLimits = z.strictObject(
  Object.fromEntries(LIMIT_KEYS.map((k) => [k, zLimitValue.optional()])) as Record<
    LimitKey,
    z.ZodOptional<typeof zLimitValue>
  >,
);

/** A tenant's overrides: only the limits the operator set; absent keys come from the plan. */
export const ZLimitOverrides = ZLimits;
export type LimitOverrides = Partial<Limits>;

export const ZPlanName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, { error: 'plan names are lowercase letters, digits, - and _' });

export const ZPlanDefinition = z.strictObject({
  /** Shown in the UI; defaults to the plan's name. */
  title: z.string().min(1).max(80).optional(),
  /** Omitted limits are unlimited. */
  limits: ZLimits.default({}),
  features: z.array(z.enum(FEATURES)).default([]),
  /** With Stripe: the recurring price a subscription to this plan is for (`price_…`); plans without one cannot be bought. */
  stripePriceId: z
    .string()
    .regex(/^price_\w+$/, { error: 'a Stripe price id (price_…)' })
    .optional(),
  /** With Stripe: a metered price (usage-based, on the billing meter) added to the subscription with the plan's price. */
  stripeMeteredPriceId: z
    .string()
    .regex(/^price_\w+$/, { error: 'a Stripe price id (price_…)' })
    .optional(),
});

export const ZPlansFile = z.strictObject({
  /** The plan of tenants with none set; TOOLGATE_DEFAULT_PLAN overrides it. */
  defaultPlan: ZPlanName.optional(),
  plans: z.record(ZPlanName, ZPlanDefinition),
});
export type PlansFile = z.infer<typeof ZPlansFile>;

export interface Plan {
  name: string;
  title: string;
  limits: Limits;
  features: Feature[];
  stripePriceId?: string;
  stripeMeteredPriceId?: string;
}

export interface PlansConfig {
  /** Every plan a tenant may be on, the built-in `unlimited` included (unless the file redefines it). */
  plans: Record<string, Plan>;
  /** The plan of tenants whose plan is null. */
  defaultPlan: string;
}

const allUnlimited = (): Limits => Object.fromEntries(LIMIT_KEYS.map((k) => [k, null])) as Limits;

export const UNLIMITED_PLAN: Plan = Object.freeze({
  name: UNLIMITED_PLAN_NAME,
  title: 'Unlimited',
  limits: Object.freeze(allUnlimited()),
  features: [...FEATURES],
});

/** A deployment with no plans configured: every tenant is unlimited. */
export const DEFAULT_PLANS_CONFIG: PlansConfig = {
  plans: { [UNLIMITED_PLAN_NAME]: UNLIMITED_PLAN },
  defaultPlan: UNLIMITED_PLAN_NAME,
};

export type LimitSource = 'plan' | 'override';

/** The plan's limits with the tenant's overrides applied, and where each one came from. */
export function effectiveLimits(
  plan: Plan,
  overrides: LimitOverrides,
): { limits: Limits; sources: Record<LimitKey, LimitSource> } {
  const limits = { ...plan.limits };
  const sources = Object.fromEntries(LIMIT_KEYS.map((k) => [k, 'plan'])) as Record<LimitKey, LimitSource>;
  for (const key of LIMIT_KEYS) {
    const value = overrides[key];
    if (value !== undefined) {
      limits[key] = value;
      sources[key] = 'override';
    }
  }
  return { limits, sources };
}

/**
 * The plan a tenant is on: its own if it names a configured plan, else the deployment's default.
 * `known: false` when the tenant names a plan the configuration no longer has (shown by the CLI).
 */
export function resolvePlan(config: PlansConfig, name: string | null): { plan: Plan; known: boolean } {
  const own = name === null ? undefined : config.plans[name];
  if (own) return { plan: own, known: true };
  return { plan: config.plans[config.defaultPlan] ?? UNLIMITED_PLAN, known: name === null };
}

export class PlansConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlansConfigError';
  }
}

const pathOf = (path: readonly PropertyKey[]): string => path.map(String).join('.') || '(root)';

/** Validates a plans document; errors name the source and the field (`plans.free.limits.gateways`). */
export function parsePlansConfig(text: string, source: string, defaultPlan?: string): PlansConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PlansConfigError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = ZPlansFile.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${pathOf(i.path)}: ${i.message}`);
    throw new PlansConfigError(`${source}: ${issues.join('; ')}`);
  }
  const plans: Record<string, Plan> = { [UNLIMITED_PLAN_NAME]: UNLIMITED_PLAN };
  for (const [name, def] of Object.entries(parsed.data.plans)) {
    plans[name] = {
      name,
      title: def.title ?? name,
      limits: { ...allUnlimited(), ...def.limits },
      features: [...new Set(def.features)],
      ...(def.stripePriceId ? { stripePriceId: def.stripePriceId } : {}),
      ...(def.stripeMeteredPriceId ? { stripeMeteredPriceId: def.stripeMeteredPriceId } : {}),
    };
  }
  return withDefault(plans, defaultPlan ?? parsed.data.defaultPlan ?? UNLIMITED_PLAN_NAME, source);
}

function withDefault(plans: Record<string, Plan>, defaultPlan: string, source: string): PlansConfig {
  if (!plans[defaultPlan]) {
    throw new PlansConfigError(
      `${source}: the default plan "${defaultPlan}" is not configured (plans: ${Object.keys(plans).join(', ')})`,
    );
  }
  return { plans, defaultPlan };
}

export interface PlansSettings {
  /** TOOLGATE_PLANS_FILE: path to the plans JSON document. */
  file?: string;
  /** TOOLGATE_PLANS: the document itself (when both are set, this one wins). */
  json?: string;
  /** TOOLGATE_DEFAULT_PLAN: the plan of tenants with none set. */
  defaultPlan?: string;
}

/** The deployment's plans from its settings; throws PlansConfigError naming the variable and field. */
export function loadPlansConfig(settings: PlansSettings): PlansConfig {
  if (settings.json) return parsePlansConfig(settings.json, 'TOOLGATE_PLANS', settings.defaultPlan);
  if (settings.file) {
    let text: string;
    try {
      text = readFileSync(settings.file, 'utf8');
    } catch (err) {
      throw new PlansConfigError(
        `TOOLGATE_PLANS_FILE: cannot read ${settings.file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    return parsePlansConfig(text, `TOOLGATE_PLANS_FILE (${settings.file})`, settings.defaultPlan);
  }
  const plans = { [UNLIMITED_PLAN_NAME]: UNLIMITED_PLAN };
  return withDefault(plans, settings.defaultPlan ?? UNLIMITED_PLAN_NAME, 'TOOLGATE_DEFAULT_PLAN');
}

/** Human names of the limits, for messages. */
export const LIMIT_LABELS: Record<LimitKey, string> = {
  callsPerMonth: 'tool calls per month',
  callsPerMinute: 'calls per minute',
  callsPerMinutePerToken: 'calls per minute per token',
  callsPerMinutePerUser: 'calls per minute per user',
  gateways: 'gateways',
  installations: 'installations',
  members: 'members',
  auditRetentionDays: 'audit retention days',
};

/** The configured plan a Stripe price is for (the plan's `stripePriceId`), if any. */
export function planOfPrice(config: PlansConfig, priceId: string): Plan | undefined {
  return Object.values(config.plans).find((p) => p.stripePriceId === priceId);
}
