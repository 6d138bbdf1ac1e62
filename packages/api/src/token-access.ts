import { apiTokens, teamMembers } from '@toolgate/db/schema';
import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import { isAdmin, type Actor } from './actor.ts';

/**
 * Tokens a caller may see and revoke: all of the tenant's for owners and admins; for members the
 * ones they own or created, and the tokens of the teams they maintain (a token acting for no user
 * sees itself only).
 */
export function visibleTokens(tenantId: string, actor: Actor): SQL | undefined {
  const tenant = eq(apiTokens.tenantId, tenantId);
  if (isAdmin(actor)) return tenant;
  if (actor.userId)
    return and(
      tenant,
      or(
        eq(apiTokens.userId, actor.userId),
        eq(apiTokens.createdBy, actor.userId),
        maintainedTeamToken(tenantId, actor.userId),
      ),
    );
  return actor.tokenId ? and(tenant, eq(apiTokens.id, actor.tokenId)) : sql`false`;
}

/** A team token of a team the user maintains. */
const maintainedTeamToken = (tenantId: string, userId: string): SQL => sql`${apiTokens.teamId} in (
  select ${teamMembers.teamId} from ${teamMembers}
  where ${teamMembers.tenantId} = ${tenantId} and ${teamMembers.userId} = ${userId}
    and ${teamMembers.role} = 'maintainer')`;
