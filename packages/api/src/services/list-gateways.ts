import type { Database } from '@toolgate/db/client';
import { gateways } from '@toolgate/db/schema';
import { asc, eq } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import type { Gateway } from '../schemas/gateways.ts';
import { loadGatewayViews } from '../views/gateway.ts';

export interface ListGatewaysOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
}

export async function listGateways({ db, tenantId }: ListGatewaysOptions): Promise<Gateway[]> {
  const rows = await db
    .select()
    .from(gateways)
    .where(eq(gateways.tenantId, tenantId))
    .orderBy(asc(gateways.slug));
  return loadGatewayViews(db, tenantId, rows);
}
