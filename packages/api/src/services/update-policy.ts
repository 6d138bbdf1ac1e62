import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { policies, policyGateways } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges } from '../invalidation.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../pg-errors.ts';
import { ZUpdatePolicyRequest, type Policy, type UpdatePolicyRequest } from '../schemas/policies.ts';
import { requireGateways } from '../tenant-refs.ts';
import { parseInput } from '../validation.ts';
import { gatewayGone, policyGatewayIds, policyNameTaken, policyNotFound, toPolicy } from '../views/policy.ts';
import { recordPolicyChange, requireValidCondition, type PolicyPlace } from './policy-rules.ts';

export interface UpdatePolicyOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  policyId: string;
  input: UpdatePolicyRequest;
}

/**
 * Changes the given fields of a policy (owners and admins); a new condition must type-check. The
 * gateways it applied to and those it applies to now are recompiled on every proxy.
 */
export async function updatePolicy({
  db,
  bus,
  tenantId,
  actor,
  policyId,
  input,
}: UpdatePolicyOptions): Promise<Policy> {
  requireAdmin(actor, 'change policies');
  const { gatewayIds, ...columns } = parseInput(ZUpdatePolicyRequest, input);
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
        .set({ ...columns, allGateways: after.allGateways, updatedAt: new Date() })
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
    if (isForeignKeyViolation(err)) throw gatewayGone();
    throw err;
  }
  await deliverChanges(db, bus, result.recorded);
  return result.view;
}
