import { AppError } from '@toolgate/core/errors';
import { tenants } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import { requireAdmin } from '../actor.ts';
import { deliverChanges } from '../invalidation.ts';
import { isUniqueViolation } from '../pg-errors.ts';
import {
  ZRenameWorkspaceRequest,
  type RenameWorkspaceRequest,
  type Workspace,
} from '../schemas/workspace.ts';
import { parseInput } from '../validation.ts';
import { recordWorkspaceChange, type WorkspaceOptions } from '../workspace-change.ts';
import { lockWorkspace } from '../workspace-lock.ts';

/**
 * Renames the workspace (owners and admins). A new slug moves every gateway URL: the old
 * `/mcp/{old}/…` answers "not found" from the moment the change is delivered.
 */
export async function renameWorkspace({
  db,
  bus,
  tenantId,
  actor,
  input,
}: WorkspaceOptions & { input: RenameWorkspaceRequest }): Promise<Workspace> {
  requireAdmin(actor, 'rename the workspace');
  const patch = parseInput(ZRenameWorkspaceRequest, input);
  try {
    const { workspace, recorded } = await db.transaction(async (tx) => {
      const current = await lockWorkspace(tx, tenantId);
      const [row] = await tx
        .update(tenants)
        .set({ name: patch.name ?? current.name, slug: patch.slug ?? current.slug })
        .where(eq(tenants.id, tenantId))
        .returning({ id: tenants.id, slug: tenants.slug, name: tenants.name });
      // Keys of the old slug go; the tenant-wide message drops every replica's copies.
      return {
        workspace: row!,
        recorded: await recordWorkspaceChange(tx, tenantId, current.slug, 'workspace renamed'),
      };
    });
    await deliverChanges(db, bus, [recorded]);
    return workspace;
  } catch (err) {
    if (isUniqueViolation(err))
      throw new AppError('CONFLICT', `The workspace URL "${patch.slug}" is taken`, {
        fields: [{ path: 'slug', message: 'This workspace URL is taken, choose another' }],
      });
    throw err;
  }
}
