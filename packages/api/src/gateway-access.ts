import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { apiTokens, gateways, gatewayTeams, teamMembers } from '@toolgate/db/schema';
import { and, eq, inArray, or, type SQL } from 'drizzle-orm';
import { isAdmin, type Actor } from './actor.ts';
import { UUID_PATTERN } from './schemas/common.ts';

type GatewayRow = typeof gateways.$inferSelect;

/**
 * Teams an actor acts for: a user's team memberships, or the team of a team token (which acts
 * for no user). Org tokens and other user-less actors have none.
 */
export async function actorTeamIds(db: Database, tenantId: string, actor: Actor): Promise<string[]> {
  if (actor.userId) {
    const rows = await db
      .select({ teamId: teamMembers.teamId })
      .from(teamMembers)
      .where(and(eq(teamMembers.tenantId, tenantId), eq(teamMembers.userId, actor.userId)));
    return rows.map((r) => r.teamId);
  }
  if (!actor.tokenId) return [];
  const [token] = await db
    .select({ teamId: apiTokens.teamId })
    .from(apiTokens)
    .where(and(eq(apiTokens.tenantId, tenantId), eq(apiTokens.id, actor.tokenId)));
  return token?.teamId ? [token.teamId] : [];
}

/**
 * The tenant's gateways an actor may see: all of them for owners and admins; for everyone else
 * the org-wide ones and those shared with one of their teams — the proxy's visibility rule, so
 * the admin UI never lists a gateway its reader could not call.
 */
export async function visibleGateways(db: Database, tenantId: string, actor: Actor): Promise<SQL> {
  const tenant = eq(gateways.tenantId, tenantId);
  if (isAdmin(actor)) return tenant;
  const teamIds = await actorTeamIds(db, tenantId, actor);
  const orgWide = eq(gateways.visibility, 'org');
  if (teamIds.length === 0) return and(tenant, orgWide)!;
  const sharedWithTeams = inArray(
    gateways.id,
    db
      .select({ id: gatewayTeams.gatewayId })
      .from(gatewayTeams)
      .where(and(eq(gatewayTeams.tenantId, tenantId), inArray(gatewayTeams.teamId, teamIds))),
  );
  return and(tenant, or(orgWide, sharedWithTeams))!;
}

/** One gateway the actor may see; invisible and foreign gateways are alike NOT_FOUND. */
export async function findVisibleGatewayRow(
  db: Database,
  tenantId: string,
  actor: Actor,
  gatewayId: string,
): Promise<GatewayRow> {
  const [row] = UUID_PATTERN.test(gatewayId)
    ? await db
        .select()
        .from(gateways)
        .where(and(await visibleGateways(db, tenantId, actor), eq(gateways.id, gatewayId)))
    : [];
  if (!row) throw new AppError('NOT_FOUND', 'Gateway not found');
  return row;
}
