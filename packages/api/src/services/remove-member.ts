import { AppError } from '@toolgate/core/errors';
import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges } from '../invalidation.ts';
import { deleteMembership, deletePersonalInstallations, recordMemberChange } from '../member-removal.ts';
import { canRemoveMember } from '../member-permissions.ts';
import { ZRemoveMemberRequest, type MemberRemoval, type RemoveMemberRequest } from '../schemas/members.ts';
import { parseInput } from '../validation.ts';
import { actorRoleNow, countOwners, currentRole, lockWorkspace } from '../workspace-lock.ts';
import { LAST_OWNER } from './change-member-role.ts';

export interface RemoveMemberOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  input: RemoveMemberRequest;
}

/**
 * Removes someone from the workspace (owners and admins; only owners remove owners; never the
 * last owner). Their team memberships here go with it, and their own API tokens here are revoked
 * on every proxy replica. Removing yourself is leaving (see leaveWorkspace).
 */
export async function removeMember({
  db,
  bus,
  tenantId,
  actor,
  input,
}: RemoveMemberOptions): Promise<MemberRemoval> {
  requireAdmin(actor, 'remove members');
  const { userId } = parseInput(ZRemoveMemberRequest, input);
  const { revoked, recorded } = await db.transaction(async (tx) => {
    await lockWorkspace(tx, tenantId);
    const actorRole = await actorRoleNow(tx, tenantId, actor);
    const target = await currentRole(tx, tenantId, userId);
    if (!target) throw new AppError('NOT_FOUND', 'Member not found');
    if (!canRemoveMember(actorRole, target)) {
      throw new AppError(
        'FORBIDDEN',
        actorRole === 'member'
          ? 'Only owners and admins may remove members'
          : 'Only owners can remove an owner',
      );
    }
    if (target === 'owner' && (await countOwners(tx, tenantId)) <= 1) {
      throw new AppError('CONFLICT', LAST_OWNER, { reason: 'last-owner' });
    }
    const personal = await deletePersonalInstallations(tx, tenantId, userId);
    const hashes = await deleteMembership(tx, tenantId, userId);
    return {
      revoked: hashes,
      recorded: [...personal, ...(await recordMemberChange(tx, tenantId, userId, hashes))],
    };
  });
  await deliverChanges(db, bus, recorded);
  return { userId, revokedTokens: revoked.length };
}
