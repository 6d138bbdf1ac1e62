import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { teamMembers } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { deliverChanges } from '../invalidation.ts';
import { personalTokenHashes, recordMemberChange } from '../member-removal.ts';
import {
  ZRemoveTeamMemberRequest,
  type RemoveTeamMemberRequest,
  type TeamMemberRemoval,
} from '../schemas/team-members.ts';
import { requireTeamManager } from '../team-access.ts';
import { parseInput } from '../validation.ts';
import { lockWorkspace } from '../workspace-lock.ts';
import { NOT_IN_TEAM } from './change-team-member-role.ts';

export interface RemoveTeamMemberOptions {
  db: Database;
  /** Proxies cache a user's teams; told to drop them, so the removal holds on every replica at once. */
  bus: Bus;
  tenantId: string;
  actor: Actor;
  teamId: string;
  input: RemoveTeamMemberRequest;
}

/**
 * Takes someone out of a team (owners and admins: any team; maintainers: their own; anyone may
 * leave a team they are in). They stay in the workspace. Their OAuth, identity-provider and
 * personal-token callers lose the team's gateways and installations on every proxy replica as
 * soon as the change is delivered. A team an identity provider's group claim names still counts
 * for that provider's callers: the claim, not this list, decides there.
 */
export async function removeTeamMember({
  db,
  bus,
  tenantId,
  actor,
  teamId,
  input,
}: RemoveTeamMemberOptions): Promise<TeamMemberRemoval> {
  const { userId } = parseInput(ZRemoveTeamMemberRequest, input);
  const recorded = await db.transaction(async (tx) => {
    await lockWorkspace(tx, tenantId);
    await requireTeamManager(tx, tenantId, actor, teamId, userId);
    const [removed] = await tx
      .delete(teamMembers)
      .where(
        and(
          eq(teamMembers.tenantId, tenantId),
          eq(teamMembers.teamId, teamId),
          eq(teamMembers.userId, userId),
        ),
      )
      .returning({ userId: teamMembers.userId });
    if (!removed)
      throw new AppError('NOT_FOUND', NOT_IN_TEAM, { fields: [{ path: 'userId', message: NOT_IN_TEAM }] });
    const hashes = await personalTokenHashes(tx, tenantId, userId);
    return recordMemberChange(tx, tenantId, userId, hashes);
  });
  await deliverChanges(db, bus, recorded);
  return { teamId, userId };
}
