import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import type { Actor } from '../actor.ts';
import type { Gateway } from '../schemas/gateways.ts';
import { findGatewayRow, loadGatewayViews } from '../views/gateway.ts';

export interface GetGatewayOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  gatewayId: string;
}

export async function getGateway({ db, tenantId, gatewayId }: GetGatewayOptions): Promise<Gateway> {
  const row = await findGatewayRow(db, tenantId, gatewayId);
  if (!row) throw new AppError('NOT_FOUND', 'Gateway not found');
  const [view] = await loadGatewayViews(db, tenantId, [row]);
  return view!;
}
