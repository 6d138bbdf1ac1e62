import { AppError } from '@toolgate/core/errors';
import {
  COUNT_LIMITS,
  DEFAULT_PLANS_CONFIG,
  effectiveLimits,
  resolvePlan,
  type CountLimit,
  type Feature,
  type LimitOverrides,
  type Limits,
  type LimitSource,
  type LimitKey,
  type PlansConfig,
} from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { tenants } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import { countOf } from './plan-limits.ts';

export interface TenantEntitlements {
  /** The plan in force: the tenant's own, or the deployment's default. */
  plan: { name: string; title: string };
  /** The tenant's own plan setting (null = the default); differs from plan.name when it is no longer configured. */
  assignedPlan: string | null;
  /** False when the tenant names a plan the configuration no longer has (the default applies). */
  planKnown: boolean;
  limits: Limits;
  sources: Record<LimitKey, LimitSource>;
  overrides: LimitOverrides;
  features: Feature[];
  counts: Record<CountLimit, number>;
}

/** What a tenant may do under its plan and overrides, with how much of each counted limit it uses. */
export async function tenantEntitlements(
  db: Database,
  tenantId: string,
  plans: PlansConfig = DEFAULT_PLANS_CONFIG,
): Promise<TenantEntitlements> {
  const [tenant] = await db
    .select({ plan: tenants.plan, overrides: tenants.limitOverrides })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  if (!tenant) throw new AppError('NOT_FOUND', 'Workspace not found');
  const { plan, known } = resolvePlan(plans, tenant.plan);
  const overrides = tenant.overrides;
  const { limits, sources } = effectiveLimits(plan, overrides);
  const counts = Object.fromEntries(
    await Promise.all(COUNT_LIMITS.map(async (k) => [k, await countOf(db, tenantId, k)] as const)),
  ) as Record<CountLimit, number>;
  return {
    plan: { name: plan.name, title: plan.title },
    assignedPlan: tenant.plan,
    planKnown: known,
    limits,
    sources,
    overrides,
    features: plan.features,
    counts,
  };
}
