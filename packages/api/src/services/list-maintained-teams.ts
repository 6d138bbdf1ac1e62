import type { Database } from '@toolgate/db/client';
import { teamMembers } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../actor.ts';

export interface ListMaintainedTeamsOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
}

/**
 * The ids of the teams the caller maintains (whose installations and tokens they manage). Owners
 * and admins manage every team without being a maintainer; tokens maintain nothing.
 */
export async function listMaintainedTeams({
  db,
  tenantId,
  actor,
}: ListMaintainedTeamsOptions): Promise<string[]> {
  if (!actor.userId) return [];
  const rows = await db
    .select({ teamId: teamMembers.teamId })
    .from(teamMembers)
    .where(
      and(
        eq(teamMembers.tenantId, tenantId),
        eq(teamMembers.userId, actor.userId),
        eq(teamMembers.role, 'maintainer'),
      ),
    );
  return rows.map((r) => r.teamId);
}
