import type { Executor } from '@toolgate/db/config-outbox';
import { teamMembers, type teams } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { toIso } from '../schemas/common.ts';
import type { TeamDetail } from '../schemas/team-management.ts';

/** A team row as services answer it, with its member count. */
export async function toTeamDetail(db: Executor, row: typeof teams.$inferSelect): Promise<TeamDetail> {
  const memberCount = await db.$count(
    teamMembers,
    and(eq(teamMembers.tenantId, row.tenantId), eq(teamMembers.teamId, row.id)),
  );
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    memberCount,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}
