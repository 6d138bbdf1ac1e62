import type { Bus } from '@toolgate/bus';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { policies, policyGateways } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges } from '../invalidation.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../pg-errors.ts';
import { ZUpdatePolicyRequest, type Policy, type UpdatePolicyRequest } from '../schemas/policies.ts';
import { requireGateways } from '../tenant-refs.ts';
import { parseInput } from '../validation.ts';
import { requireFeature } from './plans/plan-features.ts';
import {
  approverTeamGone,
  gatewayGone,
  policyGatewayIds,
  policyNameTaken,
  policyNotFound,
  toPolicy,
} from '../views/policy.ts';
import {
  DEFAULT_APPROVERS,
  isApproverTeamViolation,
  recordPolicyChange,
  requireValidApprovers,
  requireValidCondition,
  type ApproverColumns,
  type PolicyPlace,
} from './policy-rules.ts';

export interface UpdatePolicyOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  policyId: string;
  input: UpdatePolicyRequest;
  /** The deployment's plans: switching a policy on needs the `policies` feature. Absent: every tenant has every feature. */
  plans?: PlansConfig;
}

/**
 * Changes the given fields of a policy (owners and admins); a new condition must type-check.
 * Approvers may be given only when the policy's action (after the change) is `require_approval`;
 * a policy changed to another action forgets its approvers. The gateways it applied to and those
 * it applies to now are recompiled on every proxy.
 */
export async function updatePolicy({
  db,
  bus,
  tenantId,
  actor,
  policyId,
  input,
  plans,
}: UpdatePolicyOptions): Promise<Policy> {
  requireAdmin(actor, 'change policies');
  const { gatewayIds, approvers, ...columns } = parseInput(ZUpdatePolicyRequest, input);
  if (columns.condition !== undefined) requireValidCondition(columns.condition);
  if (gatewayIds) await requireGateways(db, tenantId, gatewayIds);

  let result: { view: Policy; recorded: Awaited<ReturnType<typeof recordPolicyChange>> };
  try {
    result = await db.transaction(async (tx) => {
      const [current] = await tx
        .select()
        .from(policies)
        .where(and(eq(policies.tenantId, tenantId), eq(policies.id, policyId)))
        .for('update');
      if (!current) throw policyNotFound();
      // Policies that are on stay on, and may be edited, on a plan without them; none is switched on.
      if (columns.enabled === true && !current.enabled) await requireFeature(tx, tenantId, plans, 'policies');
      const action = columns.action ?? current.action;
      // Another action holds nothing: its approvers would be stale if it turned back later.
      let approverColumns: ApproverColumns | undefined =
        action === 'require_approval' ? undefined : DEFAULT_APPROVERS;
      if (approvers) approverColumns = await requireValidApprovers(tx, tenantId, action, approvers);
      const before: PolicyPlace = {
        allGateways: current.allGateways,
        gatewayIds: (await policyGatewayIds(tx, tenantId, [policyId])).get(policyId) ?? [],
      };
      const after: PolicyPlace =
        gatewayIds === undefined
          ? before
          : { allGateways: gatewayIds === null, gatewayIds: gatewayIds ?? [] };
      const [row] = await tx
        .update(policies)
        .set({ ...columns, ...approverColumns, allGateways: after.allGateways, updatedAt: new Date() })
        .where(and(eq(policies.tenantId, tenantId), eq(policies.id, policyId)))
        .returning();
      if (gatewayIds !== undefined) {
        await tx
          .delete(policyGateways)
          .where(and(eq(policyGateways.tenantId, tenantId), eq(policyGateways.policyId, policyId)));
        if (gatewayIds)
          await tx
            .insert(policyGateways)
            .values(gatewayIds.map((gatewayId) => ({ tenantId, policyId, gatewayId })));
      }
      // A policy disabled before and after is in no snapshot: nothing for proxies to learn.
      const places = [...(current.enabled ? [before] : []), ...(row!.enabled ? [after] : [])];
      return {
        view: toPolicy(row!, [...after.gatewayIds]),
        recorded: await recordPolicyChange(tx, tenantId, places, 'policy updated'),
      };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw policyNameTaken(columns.name ?? '');
    if (isForeignKeyViolation(err)) throw isApproverTeamViolation(err) ? approverTeamGone() : gatewayGone();
    throw err;
  }
  await deliverChanges(db, bus, result.recorded);
  return result.view;
}
