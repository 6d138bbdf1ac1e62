import { AppError } from '@toolgate/core/errors';
import {
  DEFAULT_PLANS_CONFIG,
  effectiveLimits,
  LIMIT_LABELS,
  resolvePlan,
  type CountLimit,
  type PlansConfig,
} from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { gateways, installations, invitations, memberships, tenants } from '@toolgate/db/schema';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Tx } from '../../workspace-lock.ts';

type Queryable = Database | Tx;

/** How many of each counted object a tenant has now. */
export async function countOf(db: Queryable, tenantId: string, limit: CountLimit): Promise<number> {
  switch (limit) {
    case 'gateways':
      return db.$count(gateways, eq(gateways.tenantId, tenantId));
    case 'installations':
      return db.$count(installations, eq(installations.tenantId, tenantId));
    case 'members':
      return db.$count(memberships, eq(memberships.tenantId, tenantId));
  }
}

/** Live invitations hold a seat: inviting more people than the plan admits would only fail later. */
const pendingInvitations = (db: Queryable, tenantId: string): Promise<number> =>
  db.$count(
    invitations,
    and(
      eq(invitations.tenantId, tenantId),
      isNull(invitations.acceptedAt),
      gt(invitations.expiresAt, new Date()),
    ),
  );

export interface RoomOptions {
  /** Members only: count live invitations as members too (when inviting). */
  countInvitations?: boolean;
}

/**
 * Inside the transaction that creates one more `limit` object: locks the tenant row (so two
 * creates racing at the limit queue, and the second counts the first) and refuses with
 * PLAN_LIMIT when the tenant already has as many as its plan and overrides allow. Objects
 * over a lowered limit are never touched; only new ones are refused.
 */
export async function requirePlanRoom(
  tx: Tx,
  tenantId: string,
  plans: PlansConfig | undefined,
  limit: CountLimit,
  options: RoomOptions = {},
): Promise<void> {
  const [tenant] = await tx
    .select({ plan: tenants.plan, overrides: tenants.limitOverrides })
    .from(tenants)
    .where(eq(tenants.id, tenantId))
    .for('no key update');
  if (!tenant) throw new AppError('NOT_FOUND', 'Workspace not found');
  const config = plans ?? DEFAULT_PLANS_CONFIG;
  const { plan } = resolvePlan(config, tenant.plan);
  const { limits, sources } = effectiveLimits(plan, tenant.overrides);
  const max = limits[limit];
  if (max === null) return;
  let count = await countOf(tx, tenantId, limit);
  if (options.countInvitations) count += await pendingInvitations(tx, tenantId);
  if (count < max) return;
  const what = LIMIT_LABELS[limit];
  const held = options.countInvitations ? ' (members and pending invitations)' : '';
  throw new AppError(
    'PLAN_LIMIT',
    `${sources[limit] === 'override' ? `This workspace's limit (set over the ${plan.title} plan)` : `The ${plan.title} plan`} ` +
      `allows ${max} ${what}, and this workspace has ${count}${held}. ` +
      `Remove one, or ask the operator for a higher limit`,
    { limit, plan: plan.name, max, count },
  );
}
