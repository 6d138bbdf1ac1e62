import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { identityProviders } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { announceGatewayChange } from '../invalidation.ts';
import { findIdentityProviderRow, gatewaysUsing } from '../views/identity-provider.ts';

export interface DeleteIdentityProviderOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  identityProviderId: string;
}

/**
 * Removes an identity provider (owners and admins) and its subject links. Gateways that named it
 * keep their settings but no longer accept any provider's tokens until another is chosen.
 */
export async function deleteIdentityProvider({
  db,
  bus,
  tenantId,
  actor,
  identityProviderId,
}: DeleteIdentityProviderOptions): Promise<{ id: string; gateways: { id: string; slug: string }[] }> {
  requireAdmin(actor, 'remove identity providers');
  await findIdentityProviderRow(db, tenantId, identityProviderId);
  // Read before the delete: the foreign key sets the gateways' provider to null.
  const using = (await gatewaysUsing(db, tenantId, [identityProviderId])).get(identityProviderId) ?? [];
  await db
    .delete(identityProviders)
    .where(and(eq(identityProviders.tenantId, tenantId), eq(identityProviders.id, identityProviderId)));
  const changed = using.map(({ id, slug }) => ({ id, slug }));
  await announceGatewayChange(db, bus, tenantId, changed, 'identity provider removed');
  return { id: identityProviderId, gateways: changed };
}
