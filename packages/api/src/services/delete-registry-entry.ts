import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installations, registryEntries } from '@toolgate/db/schema';
import { and, asc, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges, recordEntryChange } from '../invalidation.ts';
import { findTenantEntry } from './update-registry-entry.ts';

export interface DeleteRegistryEntryOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  entryId: string;
}

/**
 * Removes a tenant-private registry entry (owners and admins). While installations of it exist
 * the answer is CONFLICT naming them (delete those first); its gateway assignments go with it.
 */
export async function deleteRegistryEntry({ db, bus, tenantId, actor, entryId }: DeleteRegistryEntryOptions) {
  requireAdmin(actor, 'remove registry entries');
  const entry = await findTenantEntry(db, tenantId, entryId);
  const recorded = await db.transaction(async (tx) => {
    const using = await tx
      .select({ id: installations.id, name: installations.name, scope: installations.scope })
      .from(installations)
      .where(and(eq(installations.tenantId, tenantId), eq(installations.registryEntryId, entryId)))
      .orderBy(asc(installations.name))
      .for('update');
    if (using.length > 0)
      throw new AppError(
        'CONFLICT',
        `${entry.name} is installed (${using.map((i) => `"${i.name}"`).join(', ')}); delete ${
          using.length === 1 ? 'that installation' : 'those installations'
        } first`,
        { installations: using },
      );
    // Recorded before the delete: it names the gateways whose assignments go with the entry.
    const changes = await recordEntryChange(tx, tenantId, entryId, 'registry entry removed');
    await tx
      .delete(registryEntries)
      .where(and(eq(registryEntries.tenantId, tenantId), eq(registryEntries.id, entryId)));
    return changes;
  });
  await deliverChanges(db, bus, recorded);
  return { id: entryId };
}
