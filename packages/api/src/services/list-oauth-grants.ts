import type { Database } from '@toolgate/db/client';
import type { Actor } from '../actor.ts';
import type { OAuthGrant } from '../schemas/oauth.ts';
import { loadGrantViews, visibleGrants } from '../views/oauth.ts';

export interface ListOAuthGrantsOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
}

/**
 * Apps signed in to this workspace through OAuth: every grant for owners and admins, their own for
 * members. Revoked grants stay listed.
 */
export function listOAuthGrants({ db, tenantId, actor }: ListOAuthGrantsOptions): Promise<OAuthGrant[]> {
  return loadGrantViews(db, tenantId, visibleGrants(tenantId, actor));
}
