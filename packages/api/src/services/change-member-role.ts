import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { memberships } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges } from '../invalidation.ts';
import { personalTokenHashes, recordMemberChange } from '../member-removal.ts';
import { canChangeRole } from '../member-permissions.ts';
import {
  ZChangeMemberRoleRequest,
  type ChangeMemberRoleRequest,
  type MemberRoleChange,
} from '../schemas/members.ts';
import { parseInput } from '../validation.ts';
import { actorRoleNow, countOwners, currentRole, lockWorkspace } from '../workspace-lock.ts';

export const ONLY_OWNERS_CHANGE_OWNERS = 'Only owners can make someone an owner or change an owner’s role';
export const LAST_OWNER = 'A workspace needs at least one owner. Make someone else an owner first';

export interface ChangeMemberRoleOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  /** Proxies cache a user's role (owners and admins see every gateway); told to drop it. */
  bus: Bus;
  input: ChangeMemberRoleRequest;
}

/**
 * Changes a member's role. Owners and admins manage members and admins; only owners make owners
 * or change an owner's role; the last owner keeps the role (CONFLICT). Checked under the
 * workspace lock against current roles, so concurrent changes cannot leave a workspace ownerless.
 */
export async function changeMemberRole({
  db,
  tenantId,
  actor,
  bus,
  input,
}: ChangeMemberRoleOptions): Promise<MemberRoleChange> {
  requireAdmin(actor, 'change roles');
  const { userId, role } = parseInput(ZChangeMemberRoleRequest, input);
  const changed = await db.transaction(async (tx) => {
    await lockWorkspace(tx, tenantId);
    const actorRole = await actorRoleNow(tx, tenantId, actor);
    const from = await currentRole(tx, tenantId, userId);
    if (!from) throw new AppError('NOT_FOUND', 'Member not found');
    if (from === role) return { userId, role };
    if (!canChangeRole(actorRole, from, role)) {
      throw new AppError(
        'FORBIDDEN',
        actorRole === 'member' ? 'Only owners and admins may change roles' : ONLY_OWNERS_CHANGE_OWNERS,
      );
    }
    if (from === 'owner' && (await countOwners(tx, tenantId)) <= 1) {
      throw new AppError('CONFLICT', LAST_OWNER, { reason: 'last-owner' });
    }
    await tx
      .update(memberships)
      .set({ role })
      .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)));
    const hashes = await personalTokenHashes(tx, tenantId, userId);
    return { userId, role, recorded: await recordMemberChange(tx, tenantId, userId, hashes) };
  });
  if ('recorded' in changed && changed.recorded) await deliverChanges(db, bus, changed.recorded);
  return { userId, role };
}
