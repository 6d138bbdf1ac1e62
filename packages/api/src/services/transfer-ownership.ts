import { AppError } from '@toolgate/core/errors';
import { recordConfigChange } from '@toolgate/db/config-outbox';
import { memberships } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { deliverChanges } from '../invalidation.ts';
import { ZTransferOwnershipRequest, type TransferOwnershipRequest } from '../schemas/workspace.ts';
import { parseInput } from '../validation.ts';
import type { WorkspaceOptions } from '../workspace-change.ts';
import { actorRoleNow, currentRole, lockWorkspace } from '../workspace-lock.ts';

/** An owner makes another member the owner and stays on as an admin. */
export async function transferOwnership({
  db,
  bus,
  tenantId,
  actor,
  input,
}: WorkspaceOptions & { input: TransferOwnershipRequest }): Promise<{ ownerId: string }> {
  const { userId } = parseInput(ZTransferOwnershipRequest, input);
  const recorded = await db.transaction(async (tx) => {
    await lockWorkspace(tx, tenantId);
    if ((await actorRoleNow(tx, tenantId, actor)) !== 'owner' || !actor.userId)
      throw new AppError('FORBIDDEN', 'Only an owner may hand the workspace over');
    if (userId === actor.userId) throw new AppError('INVALID', 'You already own this workspace');
    if (!(await currentRole(tx, tenantId, userId)))
      throw new AppError('NOT_FOUND', 'Member not found', {
        fields: [{ path: 'userId', message: 'not a member of this workspace' }],
      });
    const setRole = (who: string, role: 'owner' | 'admin') =>
      tx
        .update(memberships)
        .set({ role })
        .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, who)));
    await setRole(userId, 'owner');
    await setRole(actor.userId, 'admin');
    return [
      await recordConfigChange(tx, { tenantId, reason: 'owner changed', userId }),
      await recordConfigChange(tx, { tenantId, reason: 'owner changed', userId: actor.userId }),
    ];
  });
  await deliverChanges(db, bus, recorded);
  return { ownerId: userId };
}
