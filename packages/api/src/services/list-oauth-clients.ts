import type { Database } from '@toolgate/db/client';
import { oauthClients } from '@toolgate/db/schema';
import { desc } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import type { OAuthClient } from '../schemas/oauth.ts';
import { loadClientViews, tenantClients } from '../views/oauth.ts';

export interface ListOAuthClientsOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
}

/** The OAuth clients owners and admins registered for this workspace. */
export async function listOAuthClients({
  db,
  tenantId,
  actor,
}: ListOAuthClientsOptions): Promise<OAuthClient[]> {
  requireAdmin(actor, 'see registered OAuth clients');
  const rows = await db
    .select()
    .from(oauthClients)
    .where(tenantClients(tenantId))
    .orderBy(desc(oauthClients.createdAt));
  return loadClientViews(db, tenantId, rows);
}
