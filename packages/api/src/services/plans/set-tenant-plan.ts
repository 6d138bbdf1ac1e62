import { AppError } from '@toolgate/core/errors';
import {
  LIMIT_KEYS,
  ZLimitOverrides,
  type LimitKey,
  type LimitOverrides,
  type PlansConfig,
} from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { tenants } from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import type { Tx } from '../../workspace-lock.ts';
import type { Bus } from '@toolgate/bus';
import { recordConfigChange } from '@toolgate/db/config-outbox';
import { deliverChanges } from '../../invalidation.ts';
import { insertAuditRow } from '../audit-row.ts';

/** Operator changes of a tenant's plan or limits, in its audit log (principal: the operator). */
export const PLAN_SETTINGS_METHOD = 'settings/plan';

export interface OperatorTenant {
  id: string;
  slug: string;
  plan: string | null;
  overrides: LimitOverrides;
}

/** A live tenant by slug, locked for the change. */
async function lockTenantBySlug(tx: Tx, slug: string): Promise<OperatorTenant> {
  const [row] = await tx
    .select({ id: tenants.id, slug: tenants.slug, plan: tenants.plan, overrides: tenants.limitOverrides })
    .from(tenants)
    .where(and(eq(tenants.slug, slug), isNull(tenants.deletedAt)))
    .for('no key update');
  if (!row) throw new AppError('NOT_FOUND', `No workspace "${slug}"`);
  return { ...row, overrides: row.overrides };
}

/** The tenant id of a live workspace, by slug (NOT_FOUND otherwise). */
export async function tenantIdBySlug(db: Database, slug: string): Promise<string> {
  const [row] = await db
    .select({ id: tenants.id })
    .from(tenants)
    .where(and(eq(tenants.slug, slug), isNull(tenants.deletedAt)));
  if (!row) throw new AppError('NOT_FOUND', `No workspace "${slug}"`);
  return row.id;
}

async function audit(tx: Tx, tenantId: string, request: unknown, before: unknown, after: unknown) {
  await insertAuditRow(
    tx,
    { principalType: 'operator', principalId: 'operator:cli' },
    {
      tenantId,
      occurredAt: new Date(),
      method: PLAN_SETTINGS_METHOD,
      status: 'ok',
      request,
      response: { before, after },
    },
  );
}

export interface SetTenantPlanOptions {
  db: Database;
  /** Tells proxies at once; without it the worker's relay delivers the change. */
  bus?: Bus;
  plans: PlansConfig;
  slug: string;
  /** A configured plan's name, or null for the deployment's default plan. */
  plan: string | null;
}

/**
 * Puts a tenant on a configured plan (operators). Nothing is deleted when the new plan is
 * smaller: objects over its limits keep working, and new ones are refused.
 */
export async function setTenantPlan({
  db,
  plans,
  slug,
  plan,
  bus,
}: SetTenantPlanOptions): Promise<OperatorTenant> {
  if (plan !== null && !plans.plans[plan]) {
    throw new AppError(
      'INVALID',
      `Unknown plan "${plan}"; the configured plans are: ${Object.keys(plans.plans).join(', ')}`,
      { fields: [{ path: 'plan', message: 'not a configured plan' }] },
    );
  }
  const { result, recorded } = await db.transaction(async (tx) => {
    const tenant = await lockTenantBySlug(tx, slug);
    await tx.update(tenants).set({ plan }).where(eq(tenants.id, tenant.id));
    await audit(tx, tenant.id, { action: 'set-plan' }, { plan: tenant.plan }, { plan });
    return { result: { ...tenant, plan }, recorded: await limitsChanged(tx, tenant) };
  });
  if (bus) await deliverChanges(db, bus, [recorded]);
  return result;
}

/**
 * Proxies hold each gateway's limits with its snapshot: every gateway of the tenant is stale.
 * Delivered by the caller when it has the bus, else by the worker's relay.
 */
const limitsChanged = (tx: Tx, tenant: OperatorTenant) =>
  recordConfigChange(tx, {
    tenantId: tenant.id,
    tenantSlug: tenant.slug,
    reason: 'plan or limits changed',
    tenantWide: true,
  });

export interface SetTenantLimitsOptions {
  db: Database;
  /** Tells proxies at once; without it the worker's relay delivers the change. */
  bus?: Bus;
  slug: string;
  /** A number (null = unlimited) overrides the plan's limit; `'default'` removes the override. */
  changes: Partial<Record<LimitKey, number | null | 'default'>>;
}

/** Sets or clears a tenant's limit overrides (operators); other overrides are kept. */
export async function setTenantLimits({
  db,
  slug,
  changes,
  bus,
}: SetTenantLimitsOptions): Promise<OperatorTenant> {
  const { result, recorded } = await db.transaction(async (tx) => {
    const tenant = await lockTenantBySlug(tx, slug);
    const next: LimitOverrides = { ...tenant.overrides };
    for (const key of LIMIT_KEYS) {
      const change = changes[key];
      if (change === undefined) continue;
      if (change === 'default') delete next[key];
      else next[key] = change;
    }
    const parsed = ZLimitOverrides.safeParse(next);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AppError('INVALID', `${issue.path.map(String).join('.')}: ${issue.message}`);
    }
    await tx.update(tenants).set({ limitOverrides: next }).where(eq(tenants.id, tenant.id));
    await audit(
      tx,
      tenant.id,
      { action: 'set-limits' },
      { overrides: tenant.overrides },
      { overrides: next },
    );
    return { result: { ...tenant, overrides: next }, recorded: await limitsChanged(tx, tenant) };
  });
  if (bus) await deliverChanges(db, bus, [recorded]);
  return result;
}
