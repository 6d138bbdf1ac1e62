import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { guardrails } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../../actor.ts';
import { deliverChanges } from '../../invalidation.ts';
import { recordGuardrailChange } from './guardrail-rules.ts';
import { guardrailGatewayIds, guardrailNotFound } from './guardrail-view.ts';

export interface DeleteGuardrailOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  guardrailId: string;
}

/** Removes a guardrail (owners and admins); the gateways it applied to are recompiled on every proxy. */
export async function deleteGuardrail({
  db,
  bus,
  tenantId,
  actor,
  guardrailId,
}: DeleteGuardrailOptions): Promise<void> {
  requireAdmin(actor, 'delete guardrails');
  const recorded = await db.transaction(async (tx) => {
    // Locked first, so a concurrent update cannot move it between reading its gateways and deleting it.
    const [current] = await tx
      .select({ enabled: guardrails.enabled, allGateways: guardrails.allGateways })
      .from(guardrails)
      .where(and(eq(guardrails.tenantId, tenantId), eq(guardrails.id, guardrailId)))
      .for('update');
    if (!current) throw guardrailNotFound();
    const gatewayIds = (await guardrailGatewayIds(tx, tenantId, [guardrailId])).get(guardrailId) ?? [];
    await tx.delete(guardrails).where(and(eq(guardrails.tenantId, tenantId), eq(guardrails.id, guardrailId)));
    const places = current.enabled ? [{ allGateways: current.allGateways, gatewayIds }] : [];
    return recordGuardrailChange(tx, tenantId, places, 'guardrail deleted');
  });
  await deliverChanges(db, bus, recorded);
}
