import { announceGrantsRevoked, grantIdsOfClient } from '@toolgate/auth/grants';
import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { oauthClients } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { findClientRow, tenantClients } from '../views/oauth.ts';

export interface DeleteOAuthClientOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  clientId: string;
}

/**
 * Removes a pre-registered client (owners and admins) with its grants, codes and refresh tokens;
 * the access tokens it holds are refused at once like a revoked grant's.
 */
export async function deleteOAuthClient({
  db,
  bus,
  tenantId,
  actor,
  clientId,
}: DeleteOAuthClientOptions): Promise<{ id: string; revokedGrants: number }> {
  requireAdmin(actor, 'remove OAuth clients');
  await findClientRow(db, tenantId, clientId);
  const grantIds = await grantIdsOfClient(db, tenantId, [clientId]);
  await db.delete(oauthClients).where(and(tenantClients(tenantId), eq(oauthClients.id, clientId)));
  await announceGrantsRevoked({ db, bus }, tenantId, grantIds);
  return { id: clientId, revokedGrants: grantIds.length };
}
