import type { Database } from '@toolgate/db/client';
import type { Actor } from '../actor.ts';
import type { TeamMember } from '../schemas/team-members.ts';
import { findVisibleTeam, selectTeamMembers } from '../team-access.ts';

export interface ListTeamMembersOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  teamId: string;
}

/**
 * A team's members with their team and workspace roles, by name. Owners and admins read every
 * team; everyone else only the teams they are in (others are NOT_FOUND).
 */
export async function listTeamMembers({
  db,
  tenantId,
  actor,
  teamId,
}: ListTeamMembersOptions): Promise<TeamMember[]> {
  await findVisibleTeam(db, tenantId, actor, teamId);
  return selectTeamMembers(db, tenantId, teamId);
}
