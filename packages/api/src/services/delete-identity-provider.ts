import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { identityProviders } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges, recordGatewayChange } from '../invalidation.ts';
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
  const { changed, recorded } = await db.transaction(async (tx) => {
    // Read before the delete: the foreign key sets the gateways' provider to null.
    const using = (await gatewaysUsing(tx, tenantId, [identityProviderId])).get(identityProviderId) ?? [];
    await tx
      .delete(identityProviders)
      .where(and(eq(identityProviders.tenantId, tenantId), eq(identityProviders.id, identityProviderId)));
    const refs = using.map(({ id, slug }) => ({ id, slug }));
    return {
      changed: refs,
      recorded: await recordGatewayChange(tx, tenantId, refs, 'identity provider removed'),
    };
  });
  await deliverChanges(db, bus, recorded);
  return { id: identityProviderId, gateways: changed };
}
