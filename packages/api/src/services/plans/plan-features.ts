import { AppError } from '@toolgate/core/errors';
import {
  DEFAULT_PLANS_CONFIG,
  effectiveLimits,
  resolvePlan,
  type Feature,
  type Limits,
  type Plan,
  type PlansConfig,
} from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { tenants } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import type { Tx } from '../../workspace-lock.ts';

type Queryable = Database | Tx;

/** Human names of the features, for messages and the settings page. */
export const FEATURE_LABELS: Record<Feature, string> = {
  idpJwt: 'identity provider JWTs',
  idJag: 'ID-JAG (identity assertion grants)',
  policies: 'policies',
};

/** The plan a tenant is on now and its limits with the tenant's overrides applied. */
export async function planOfTenant(
  db: Queryable,
  tenantId: string,
  plans: PlansConfig = DEFAULT_PLANS_CONFIG,
): Promise<{ plan: Plan; limits: Limits }> {
  const [tenant] = await db
    .select({ plan: tenants.plan, overrides: tenants.limitOverrides })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  if (!tenant) throw new AppError('NOT_FOUND', 'Workspace not found');
  const { plan } = resolvePlan(plans, tenant.plan);
  return { plan, limits: effectiveLimits(plan, tenant.overrides).limits };
}

/**
 * Refuses with PLAN_LIMIT (402) unless the tenant's plan includes one of `features`. Called
 * when something new would use the feature (created, or switched on); what exists already keeps
 * working on a plan without it. Without plans configured every tenant has every feature.
 */
export async function requireFeature(
  db: Queryable,
  tenantId: string,
  plans: PlansConfig | undefined,
  ...features: [Feature, ...Feature[]]
): Promise<void> {
  if (!plans) return;
  const { plan } = await planOfTenant(db, tenantId, plans);
  if (features.some((f) => plan.features.includes(f))) return;
  const what = features.map((f) => FEATURE_LABELS[f]).join(' or ');
  throw new AppError(
    'PLAN_LIMIT',
    `The ${plan.title} plan does not include ${what}. Ask the operator for a plan that does`,
    { feature: features[0], plan: plan.name },
  );
}
