import type { Database } from '@toolgate/db/client';
import { identityProviders } from '@toolgate/db/schema';
import { asc, eq } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import type { IdentityProvider } from '../schemas/identity-providers.ts';
import { loadIdentityProviderViews } from '../views/identity-provider.ts';

export interface ListIdentityProvidersOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
}

/**
 * The tenant's identity providers with the gateways that accept them. Every member may read them
 * (they hold no secret); owners and admins change them.
 */
export async function listIdentityProviders({
  db,
  tenantId,
}: ListIdentityProvidersOptions): Promise<IdentityProvider[]> {
  const rows = await db
    .select()
    .from(identityProviders)
    .where(eq(identityProviders.tenantId, tenantId))
    .orderBy(asc(identityProviders.name), asc(identityProviders.createdAt));
  return loadIdentityProviderViews(db, tenantId, rows);
}
