import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { policies, policyGateways } from '@toolgate/db/schema';
import { count, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges } from '../invalidation.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../pg-errors.ts';
import {
  MAX_POLICIES,
  ZCreatePolicyRequest,
  type CreatePolicyRequest,
  type Policy,
} from '../schemas/policies.ts';
import { requireGateways } from '../tenant-refs.ts';
import { parseInput } from '../validation.ts';
import { requireFeature } from './plans/plan-features.ts';
import { approverTeamGone, gatewayGone, policyNameTaken, toPolicy } from '../views/policy.ts';
import {
  DEFAULT_APPROVERS,
  isApproverTeamViolation,
  recordPolicyChange,
  requireValidApprovers,
  requireValidCondition,
} from './policy-rules.ts';

export interface CreatePolicyOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  input: CreatePolicyRequest;
  /** The deployment's plans: a new policy needs the `policies` feature. Absent: every tenant has every feature. */
  plans?: PlansConfig;
}

/**
 * Adds a policy (owners and admins). Its condition must type-check; its gateways must be the
 * workspace's (`gatewayIds: null`: every gateway); approvers only with `require_approval` (default:
 * the caller), a team of the workspace. The gateways it applies to are recompiled on every proxy.
 */
export async function createPolicy({
  db,
  bus,
  tenantId,
  actor,
  input,
  plans,
}: CreatePolicyOptions): Promise<Policy> {
  requireAdmin(actor, 'create policies');
  const p = parseInput(ZCreatePolicyRequest, input);
  requireValidCondition(p.condition);
  await requireFeature(db, tenantId, plans, 'policies');
  if (p.gatewayIds) await requireGateways(db, tenantId, p.gatewayIds);
  const approverColumns = p.approvers
    ? await requireValidApprovers(db, tenantId, p.action, p.approvers)
    : DEFAULT_APPROVERS;
  const [existing] = await db.select({ n: count() }).from(policies).where(eq(policies.tenantId, tenantId));
  if ((existing?.n ?? 0) >= MAX_POLICIES)
    throw new AppError('CONFLICT', `A workspace may have at most ${MAX_POLICIES} policies`);

  let result: { row: typeof policies.$inferSelect; recorded: Awaited<ReturnType<typeof recordPolicyChange>> };
  try {
    result = await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(policies)
        .values({
          tenantId,
          name: p.name,
          description: p.description,
          priority: p.priority,
          enabled: p.enabled,
          allGateways: p.gatewayIds === null,
          condition: p.condition,
          action: p.action,
          message: p.message,
          ...approverColumns,
          createdBy: actor.userId,
        })
        .returning();
      if (p.gatewayIds)
        await tx
          .insert(policyGateways)
          .values(p.gatewayIds.map((gatewayId) => ({ tenantId, policyId: row!.id, gatewayId })));
      const place = { allGateways: p.gatewayIds === null, gatewayIds: p.gatewayIds ?? [] };
      return {
        row: row!,
        recorded: p.enabled ? await recordPolicyChange(tx, tenantId, [place], 'policy created') : [],
      };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw policyNameTaken(p.name);
    if (isForeignKeyViolation(err)) throw isApproverTeamViolation(err) ? approverTeamGone() : gatewayGone();
    throw err;
  }
  await deliverChanges(db, bus, result.recorded);
  return toPolicy(result.row, result.row.allGateways ? null : p.gatewayIds);
}
