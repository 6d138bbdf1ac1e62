import { calendarMonth } from '@toolgate/bus/rate-limits';
import { AppError } from '@toolgate/core/errors';
import { DEFAULT_PLANS_CONFIG, effectiveLimits, resolvePlan, type PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { tenants } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { monthlyToolCalls, type QuotaPeriod } from './monthly-tool-calls.ts';

/** Reaching this share of the monthly quota warns (the page's banner, and one email). */
export const WARNING_PERCENT = 80;

export const QUOTA_LEVELS = ['ok', 'warning', 'exceeded'] as const;
export type QuotaLevel = (typeof QUOTA_LEVELS)[number];

const ZLimitSource = z.enum(['plan', 'override']).meta({
  description: "`plan`: the plan's limit; `override`: set for this workspace by the operator",
});

const ZLimitInForce = z.object({
  /** null: unlimited. */
  limit: z.number().int().nullable(),
  source: ZLimitSource,
});

export const ZQuotaStatus = z.object({
  plan: z.object({ name: z.string(), title: z.string() }),
  period: z.object({
    start: z.string().meta({ description: 'Start of the quota period: the first instant of this UTC month' }),
    end: z.string().meta({ description: 'When the quota resets: the first instant of the next UTC month' }),
  }),
  callsPerMonth: z.number().int().nullable().meta({ description: 'The monthly tool-call quota; null: none' }),
  source: ZLimitSource,
  used: z.number().int().meta({
    description:
      "This month's tool calls that ran (refused ones are not counted), from the usage rollups (about a second behind)",
  }),
  percent: z
    .number()
    .int()
    .nullable()
    .meta({ description: 'used / callsPerMonth in whole percent, rounded down; null without a quota' }),
  level: z.enum(QUOTA_LEVELS).meta({ description: '`warning` from 80%, `exceeded` from 100%' }),
  perMinute: z.object({
    callsPerMinute: ZLimitInForce.meta({ description: 'Calls per minute for the whole workspace' }),
    callsPerMinutePerToken: ZLimitInForce.meta({ description: 'Calls per minute per token (credential)' }),
    callsPerMinutePerUser: ZLimitInForce.meta({ description: 'Calls per minute per user' }),
  }),
});
export type QuotaStatus = z.infer<typeof ZQuotaStatus>;

/** `warning` from 80% of the quota, `exceeded` from 100% (a quota of 0 is exceeded at once). */
export function quotaLevel(used: number, limit: number | null): QuotaLevel {
  if (limit === null) return 'ok';
  if (used >= limit) return 'exceeded';
  return used * 100 >= limit * WARNING_PERCENT ? 'warning' : 'ok';
}

/** The UTC calendar month containing `now`. */
export function quotaPeriod(now: Date): QuotaPeriod {
  const { start, end } = calendarMonth(now.getTime());
  return { start: new Date(start), end: new Date(end) };
}

export interface GetQuotaStatusOptions {
  db: Database;
  tenantId: string;
  plans?: PlansConfig;
  now?: Date;
}

/**
 * The workspace's tool calls this month against its monthly quota, and the per-minute limits it is
 * held to. Any member may read it: it is their own workspace's consumption, and the limits bind
 * their calls too.
 */
export async function getQuotaStatus({
  db,
  tenantId,
  plans = DEFAULT_PLANS_CONFIG,
  now = new Date(),
}: GetQuotaStatusOptions): Promise<QuotaStatus> {
  const [tenant] = await db
    .select({ plan: tenants.plan, overrides: tenants.limitOverrides })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  if (!tenant) throw new AppError('NOT_FOUND', 'Workspace not found');
  const { plan } = resolvePlan(plans, tenant.plan);
  const { limits, sources } = effectiveLimits(plan, tenant.overrides);
  const period = quotaPeriod(now);
  const used = await monthlyToolCalls(db, tenantId, period);
  const limit = limits.callsPerMonth;
  const inForce = (key: 'callsPerMinute' | 'callsPerMinutePerToken' | 'callsPerMinutePerUser') => ({
    limit: limits[key],
    source: sources[key],
  });
  return {
    plan: { name: plan.name, title: plan.title },
    period: { start: period.start.toISOString(), end: period.end.toISOString() },
    callsPerMonth: limit,
    source: sources.callsPerMonth,
    used,
    percent: limit === null ? null : limit === 0 ? 100 : Math.floor((used * 100) / limit),
    level: quotaLevel(used, limit),
    perMinute: {
      callsPerMinute: inForce('callsPerMinute'),
      callsPerMinutePerToken: inForce('callsPerMinutePerToken'),
      callsPerMinutePerUser: inForce('callsPerMinutePerUser'),
    },
  };
}
