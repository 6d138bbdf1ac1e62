import { AppError } from '@toolgate/core/errors';
import { tenants } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import { deliverChanges } from '../invalidation.ts';
import { ZDeleteWorkspaceRequest, type DeleteWorkspaceRequest } from '../schemas/workspace.ts';
import { parseInput } from '../validation.ts';
import { recordWorkspaceChange, type WorkspaceOptions } from '../workspace-change.ts';
import { actorRoleNow, lockWorkspace } from '../workspace-lock.ts';

/**
 * Deletes the workspace (an owner, typing its slug): it stops serving at once (proxies, the UI,
 * the API, its tokens), and the worker purges its data, audit included.
 */
export async function deleteWorkspace({
  db,
  bus,
  tenantId,
  actor,
  input,
}: WorkspaceOptions & { input: DeleteWorkspaceRequest }): Promise<{ id: string }> {
  const { confirmSlug } = parseInput(ZDeleteWorkspaceRequest, input);
  const recorded = await db.transaction(async (tx) => {
    const current = await lockWorkspace(tx, tenantId);
    if ((await actorRoleNow(tx, tenantId, actor)) !== 'owner')
      throw new AppError('FORBIDDEN', 'Only an owner may delete the workspace');
    if (confirmSlug !== current.slug)
      throw new AppError('INVALID', `Type the workspace URL "${current.slug}" to delete it`, {
        fields: [{ path: 'confirmSlug', message: `type "${current.slug}" to confirm` }],
      });
    await tx.update(tenants).set({ deletedAt: new Date() }).where(eq(tenants.id, tenantId));
    return recordWorkspaceChange(tx, tenantId, current.slug, 'workspace deleted');
  });
  await deliverChanges(db, bus, [recorded]);
  return { id: tenantId };
}
