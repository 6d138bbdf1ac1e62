export { requirePlanRoom, countOf } from './plan-limits.ts';
export { FEATURE_LABELS, planOfTenant, requireFeature } from './plan-features.ts';
export { tenantEntitlements, type TenantEntitlements } from './tenant-entitlements.ts';
export {
  PLAN_SETTINGS_METHOD,
  setTenantLimits,
  setTenantPlan,
  tenantIdBySlug,
  type OperatorTenant,
} from './set-tenant-plan.ts';
