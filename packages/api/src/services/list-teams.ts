import type { Database } from '@toolgate/db/client';
import { listTenantTeams } from '@toolgate/db/tenancy';
import { isAdmin, type Actor } from '../actor.ts';
import { actorTeamIds } from '../gateway-access.ts';
import type { Team } from '../schemas/teams.ts';

export interface ListTeamsOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
}

/**
 * The workspace's teams with their member counts, by name. Owners and admins see every team;
 * everyone else only the teams they act for (a user's own teams, a team token's team), as
 * `getTeam` answers NOT_FOUND for the others.
 */
export async function listTeams({ db, tenantId, actor }: ListTeamsOptions): Promise<Team[]> {
  const [teams, visible] = await Promise.all([
    listTenantTeams(db, tenantId),
    isAdmin(actor) ? null : actorTeamIds(db, tenantId, actor),
  ]);
  if (!visible) return teams;
  const ids = new Set(visible);
  return teams.filter((t) => ids.has(t.id));
}
