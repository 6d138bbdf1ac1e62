import { AppError } from '@toolgate/core/errors';
import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Database } from '@toolgate/db/client';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges } from '../invalidation.ts';
import { deleteMembership, deletePersonalInstallations, recordMemberChange } from '../member-removal.ts';
import { personalConnectionsOf, revokeMemberConnections } from './connections/revoke-member-connections.ts';
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
  /**
   * The secret key ring: opens the tokens of the member's connected accounts, to revoke them at
   * their servers. Without it they are only forgotten.
   */
  keys?: KeyRing;
  /** TOOLGATE_ALLOW_PRIVATE_UPSTREAMS, for those revocations. Default: no. */
  allowPrivate?: boolean;
}

/**
 * Removes someone from the workspace (owners and admins; only owners remove owners; never the
 * last owner). Their team memberships here go with it, and their own API tokens here are revoked
 * on every proxy replica. Their personal installations go too, with the accounts they connected:
 * once committed, those accounts' tokens are revoked at their servers (best effort, not waited
 * for; see revokeMemberConnections). Removing yourself is leaving (see leaveWorkspace).
 */
export async function removeMember({
  db,
  bus,
  tenantId,
  actor,
  input,
  keys,
  allowPrivate = false,
}: RemoveMemberOptions): Promise<MemberRemoval> {
  requireAdmin(actor, 'remove members');
  const { userId } = parseInput(ZRemoveMemberRequest, input);
  const { revoked, recorded, forgotten } = await db.transaction(async (tx) => {
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
    const forgotten = await personalConnectionsOf(tx, tenantId, userId);
    const personal = await deletePersonalInstallations(tx, tenantId, userId);
    const hashes = await deleteMembership(tx, tenantId, userId);
    return {
      revoked: hashes,
      recorded: [...personal, ...(await recordMemberChange(tx, tenantId, userId, hashes))],
      forgotten,
    };
  });
  // Committed: the tokens are revoked at their servers in the background, never holding this up.
  void revokeMemberConnections({ db, keys, allowPrivate, tenantId, actor, userId, forgotten });
  await deliverChanges(db, bus, recorded);
  return { userId, revokedTokens: revoked.length };
}
