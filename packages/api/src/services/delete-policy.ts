import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { policies } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges } from '../invalidation.ts';
import { policyGatewayIds, policyNotFound } from '../views/policy.ts';
import { recordPolicyChange } from './policy-rules.ts';

export interface DeletePolicyOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  policyId: string;
}

/** Removes a policy (owners and admins); the gateways it applied to are recompiled on every proxy. */
export async function deletePolicy({
  db,
  bus,
  tenantId,
  actor,
  policyId,
}: DeletePolicyOptions): Promise<void> {
  requireAdmin(actor, 'delete policies');
  const recorded = await db.transaction(async (tx) => {
    // Locked first, so a concurrent update cannot move it between reading its gateways and deleting it.
    const [current] = await tx
      .select({ enabled: policies.enabled, allGateways: policies.allGateways })
      .from(policies)
      .where(and(eq(policies.tenantId, tenantId), eq(policies.id, policyId)))
      .for('update');
    if (!current) throw policyNotFound();
    const gatewayIds = (await policyGatewayIds(tx, tenantId, [policyId])).get(policyId) ?? [];
    await tx.delete(policies).where(and(eq(policies.tenantId, tenantId), eq(policies.id, policyId)));
    const places = current.enabled ? [{ allGateways: current.allGateways, gatewayIds }] : [];
    return recordPolicyChange(tx, tenantId, places, 'policy deleted');
  });
  await deliverChanges(db, bus, recorded);
}
