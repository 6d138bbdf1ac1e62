import type { Database } from '@toolgate/db/client';
import type { Actor } from '../actor.ts';
import type { TeamDetail } from '../schemas/team-management.ts';
import { findVisibleTeam } from '../team-access.ts';
import { toTeamDetail } from '../views/team.ts';

export interface GetTeamOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  teamId: string;
}

/** One team. Owners and admins read every team; everyone else only the teams they are in. */
export async function getTeam({ db, tenantId, actor, teamId }: GetTeamOptions): Promise<TeamDetail> {
  return toTeamDetail(db, await findVisibleTeam(db, tenantId, actor, teamId));
}
