import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { teamMembers } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import {
  ZChangeTeamMemberRoleRequest,
  type ChangeTeamMemberRoleRequest,
  type TeamMember,
} from '../schemas/team-members.ts';
import { requireTeamManager, selectTeamMembers } from '../team-access.ts';
import { parseInput } from '../validation.ts';
import { lockWorkspace } from '../workspace-lock.ts';

export const NOT_IN_TEAM = 'This person is not in the team';

export interface ChangeTeamMemberRoleOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  teamId: string;
  input: ChangeTeamMemberRoleRequest;
}

/**
 * Makes a team member a `maintainer` or a plain `member` again (owners and admins: any team;
 * maintainers: their own, themselves included). Nothing the proxies cache depends on a team
 * role (a caller's teams decide what they reach, not their role in them), so nothing is sent.
 */
export async function changeTeamMemberRole({
  db,
  tenantId,
  actor,
  teamId,
  input,
}: ChangeTeamMemberRoleOptions): Promise<TeamMember> {
  const { userId, role } = parseInput(ZChangeTeamMemberRoleRequest, input);
  return db.transaction(async (tx) => {
    await lockWorkspace(tx, tenantId);
    await requireTeamManager(tx, tenantId, actor, teamId);
    const [changed] = await tx
      .update(teamMembers)
      .set({ role })
      .where(
        and(
          eq(teamMembers.tenantId, tenantId),
          eq(teamMembers.teamId, teamId),
          eq(teamMembers.userId, userId),
        ),
      )
      .returning({ userId: teamMembers.userId });
    const [member] = changed ? await selectTeamMembers(tx, tenantId, teamId, userId) : [];
    if (!member)
      throw new AppError('NOT_FOUND', NOT_IN_TEAM, { fields: [{ path: 'userId', message: NOT_IN_TEAM }] });
    return member;
  });
}
