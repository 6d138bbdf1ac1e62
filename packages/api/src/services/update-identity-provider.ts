import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { identityProviders } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges, recordGatewayChange } from '../invalidation.ts';
import { gatewaysUsing } from '../views/identity-provider.ts';
import { isUniqueViolation } from '../pg-errors.ts';
import {
  ZUpdateIdentityProviderRequest,
  type IdentityProvider,
  type UpdateIdentityProviderRequest,
} from '../schemas/identity-providers.ts';
import { parseInput } from '../validation.ts';
import {
  findIdentityProviderRow,
  issuerTaken,
  loadIdentityProviderViews,
  requireIdpUrls,
} from '../views/identity-provider.ts';

export interface UpdateIdentityProviderOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  allowPrivate: boolean;
  identityProviderId: string;
  input: UpdateIdentityProviderRequest;
}

/**
 * Changes the given fields (owners and admins). Gateway snapshots carry their provider, so every
 * gateway naming it is invalidated: a disabled provider's tokens are refused at once.
 */
export async function updateIdentityProvider({
  db,
  bus,
  tenantId,
  actor,
  allowPrivate,
  identityProviderId,
  input,
}: UpdateIdentityProviderOptions): Promise<IdentityProvider> {
  requireAdmin(actor, 'edit identity providers');
  const patch = parseInput(ZUpdateIdentityProviderRequest, input);
  const current = await findIdentityProviderRow(db, tenantId, identityProviderId);
  requireIdpUrls(patch, allowPrivate);
  let updated: typeof identityProviders.$inferSelect | undefined;
  let recorded: Awaited<ReturnType<typeof recordGatewayChange>> = [];
  try {
    updated = await db.transaction(async (tx) => {
      const [row] = await tx
        .update(identityProviders)
        .set({ ...patch, updatedAt: new Date() })
        .where(and(eq(identityProviders.tenantId, tenantId), eq(identityProviders.id, identityProviderId)))
        .returning();
      if (!row) return undefined;
      const using = (await gatewaysUsing(tx, tenantId, [row.id])).get(row.id) ?? [];
      const refs = using.map(({ id, slug }) => ({ id, slug }));
      recorded = await recordGatewayChange(tx, tenantId, refs, 'identity provider updated');
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw issuerTaken(patch.issuer ?? current.issuer);
    throw err;
  }
  if (!updated) throw new AppError('NOT_FOUND', 'Identity provider not found');
  await deliverChanges(db, bus, recorded);
  const [view] = await loadIdentityProviderViews(db, tenantId, [updated]);
  return view!;
}
