import { AppError } from '@toolgate/core/errors';
import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Database } from '@toolgate/db/client';
import type { Actor } from '../actor.ts';
import { deliverChanges } from '../invalidation.ts';
import { deleteMembership, deletePersonalInstallations, recordMemberChange } from '../member-removal.ts';
import { personalConnectionsOf, revokeMemberConnections } from './connections/revoke-member-connections.ts';
import type { MemberRemoval } from '../schemas/members.ts';
import { countOwners, currentRole, lockWorkspace } from '../workspace-lock.ts';

export const LAST_OWNER_LEAVING =
  'You are the only owner of this workspace. Make someone else an owner before you leave';

export interface LeaveWorkspaceOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  /**
   * The secret key ring: opens the tokens of the member's connected accounts, to revoke them at
   * their servers. Without it they are only forgotten.
   */
  keys?: KeyRing;
  /** TOOLGATE_ALLOW_PRIVATE_UPSTREAMS, for those revocations. Default: no. */
  allowPrivate?: boolean;
}

/**
 * The caller leaves the workspace, whatever their role — except its last owner. As with removal,
 * their team memberships and their own API tokens in this workspace go too, and their personal
 * installations with the accounts they connected, whose tokens are then revoked at their servers.
 */
export async function leaveWorkspace({
  db,
  bus,
  tenantId,
  actor,
  keys,
  allowPrivate = false,
}: LeaveWorkspaceOptions): Promise<MemberRemoval> {
  const userId = actor.userId;
  if (!userId) throw new AppError('INVALID', 'Only a signed-in user can leave a workspace');
  const { revoked, recorded, forgotten } = await db.transaction(async (tx) => {
    await lockWorkspace(tx, tenantId);
    const role = await currentRole(tx, tenantId, userId);
    if (!role) throw new AppError('NOT_FOUND', 'You are not a member of this workspace');
    if (role === 'owner' && (await countOwners(tx, tenantId)) <= 1) {
      throw new AppError('CONFLICT', LAST_OWNER_LEAVING, { reason: 'last-owner' });
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
