import type { Database } from '@toolgate/db/client';
import type { Actor } from '../actor.ts';
import { findVisibleGatewayRow } from '../gateway-access.ts';
import type { Gateway } from '../schemas/gateways.ts';
import { loadGatewayViews } from '../views/gateway.ts';

export interface GetGatewayOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  gatewayId: string;
}

/** A gateway the caller may see (members: org-wide or shared with one of their teams). */
export async function getGateway({ db, tenantId, actor, gatewayId }: GetGatewayOptions): Promise<Gateway> {
  const row = await findVisibleGatewayRow(db, tenantId, actor, gatewayId);
  const [view] = await loadGatewayViews(db, tenantId, [row]);
  return view!;
}
