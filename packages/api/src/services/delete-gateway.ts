import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { gateways } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { announceGatewayChange } from '../invalidation.ts';

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
  const [row] = await db
    .delete(gateways)
    .where(and(eq(gateways.tenantId, tenantId), eq(gateways.id, gatewayId)))
    .returning({ id: gateways.id, slug: gateways.slug });
  if (!row) throw new AppError('NOT_FOUND', 'Gateway not found');
  await announceGatewayChange(db, bus, tenantId, [row], 'gateway deleted');
}
