import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { gateways } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges, recordGatewayChange } from '../invalidation.ts';

export interface DeleteGatewayOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  gatewayId: string;
}

/** Deletes a gateway with its team links and assignments; proxies stop serving it at once. */
export async function deleteGateway({
  db,
  bus,
  tenantId,
  actor,
  gatewayId,
}: DeleteGatewayOptions): Promise<void> {
  requireAdmin(actor, 'delete gateways');
  const recorded = await db.transaction(async (tx) => {
    const [row] = await tx
      .delete(gateways)
      .where(and(eq(gateways.tenantId, tenantId), eq(gateways.id, gatewayId)))
      .returning({ id: gateways.id, slug: gateways.slug });
    if (!row) throw new AppError('NOT_FOUND', 'Gateway not found');
    return recordGatewayChange(tx, tenantId, [row], 'gateway deleted');
  });
  await deliverChanges(db, bus, recorded);
}
