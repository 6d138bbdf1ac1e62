import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installations } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { requireInstallationManager, findVisibleInstallation } from '../installation-access.ts';
import { deliverChanges, recordEntryChange } from '../invalidation.ts';
import { pinningGateways } from './get-installation.ts';

export interface DeleteInstallationOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  installationId: string;
}

/**
 * Deletes an installation with its tools and sealed credentials (owners and admins; the owner of
 * a personal one). Gateway assignments pinned to it would silently disappear with it, so while
 * any exist this is a CONFLICT naming those gateways: re-point them first ("resolve at call time"
 * or another installation). Assignments that resolve at call time are unaffected.
 */
export async function deleteInstallation({
  db,
  bus,
  tenantId,
  actor,
  installationId,
}: DeleteInstallationOptions): Promise<void> {
  const current = await findVisibleInstallation(db, tenantId, actor, installationId);
  await requireInstallationManager(db, tenantId, actor, current, 'delete this installation');

  const recorded = await db.transaction(async (tx) => {
    // The row lock keeps a concurrent assignment from pinning it between the check and the delete.
    const [locked] = await tx
      .select({ id: installations.id })
      .from(installations)
      .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)))
      .for('update');
    if (!locked) throw new AppError('NOT_FOUND', 'Installation not found');
    const pinnedBy = await pinningGateways(tx, tenantId, installationId);
    if (pinnedBy.length > 0)
      throw new AppError(
        'CONFLICT',
        `${current.name} is pinned by ${pinnedBy.length === 1 ? 'gateway' : 'gateways'} ${pinnedBy
          .map((g) => `"${g.slug}"`)
          .join(', ')}; change those assignments first`,
        { gateways: pinnedBy },
      );
    await tx
      .delete(installations)
      .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)));
    return recordEntryChange(tx, tenantId, current.registryEntryId, 'installation deleted');
  });
  await deliverChanges(db, bus, recorded);
}
