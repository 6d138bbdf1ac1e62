import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { teamMembers } from '@toolgate/db/schema';
import type { Actor } from '../actor.ts';
import { deliverChanges } from '../invalidation.ts';
import { personalTokenHashes, recordMemberChange } from '../member-removal.ts';
import {
  ZAddTeamMemberRequest,
  type AddTeamMemberRequest,
  type TeamMember,
} from '../schemas/team-members.ts';
import { requireTeamManager, selectTeamMembers } from '../team-access.ts';
import { parseInput } from '../validation.ts';
import { currentRole, lockWorkspace } from '../workspace-lock.ts';

export const NOT_A_WORKSPACE_MEMBER = 'is not a member of this workspace; invite them first';
export const ALREADY_IN_TEAM = 'This person is already in the team; change their team role instead';

export interface AddTeamMemberOptions {
  db: Database;
  /** Proxies cache a user's teams (team gateways, team installations); told to drop them. */
  bus: Bus;
  tenantId: string;
  actor: Actor;
  teamId: string;
  input: AddTeamMemberRequest;
}

/**
 * Adds a member of the workspace to a team, as `member` (default) or `maintainer`. Owners and
 * admins add to any team, maintainers to their own. Someone already in the team is a CONFLICT
 * (`details.reason` "already-in-team"; their role is not changed — that is changeTeamMemberRole),
 * so a retried request tells the caller it already happened. Every proxy replica sees the new
 * team at once: the user's cached principals (OAuth, identity provider, personal API tokens) are
 * dropped.
 */
export async function addTeamMember({
  db,
  bus,
  tenantId,
  actor,
  teamId,
  input,
}: AddTeamMemberOptions): Promise<TeamMember> {
  const { userId, role } = parseInput(ZAddTeamMemberRequest, input);
  // Under the workspace lock: a concurrent removal from the workspace cannot slip in between
  // the membership check and the insert and leave a team member who is no workspace member.
  const { member, recorded } = await db.transaction(async (tx) => {
    await lockWorkspace(tx, tenantId);
    await requireTeamManager(tx, tenantId, actor, teamId);
    if (!(await currentRole(tx, tenantId, userId))) {
      throw new AppError('NOT_FOUND', `User ${NOT_A_WORKSPACE_MEMBER}`, {
        fields: [{ path: 'userId', message: NOT_A_WORKSPACE_MEMBER }],
      });
    }
    const [added] = await tx
      .insert(teamMembers)
      .values({ tenantId, teamId, userId, role })
      .onConflictDoNothing()
      .returning({ userId: teamMembers.userId });
    if (!added) {
      throw new AppError('CONFLICT', ALREADY_IN_TEAM, {
        reason: 'already-in-team',
        fields: [{ path: 'userId', message: ALREADY_IN_TEAM }],
      });
    }
    const hashes = await personalTokenHashes(tx, tenantId, userId);
    const [row] = await selectTeamMembers(tx, tenantId, teamId, userId);
    return { member: row!, recorded: await recordMemberChange(tx, tenantId, userId, hashes) };
  });
  await deliverChanges(db, bus, recorded);
  return member;
}
