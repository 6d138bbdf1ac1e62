import type { Database } from '@toolgate/db/client';
import { gateways } from '@toolgate/db/schema';
import { asc } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { visibleGateways } from '../gateway-access.ts';
import type { Gateway } from '../schemas/gateways.ts';
import { loadGatewayViews } from '../views/gateway.ts';

export interface ListGatewaysOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
}

/** Every gateway of the tenant for owners and admins; for others the ones visible to them. */
export async function listGateways({ db, tenantId, actor }: ListGatewaysOptions): Promise<Gateway[]> {
  const rows = await db
    .select()
    .from(gateways)
    .where(await visibleGateways(db, tenantId, actor))
    .orderBy(asc(gateways.slug));
  return loadGatewayViews(db, tenantId, rows);
}
