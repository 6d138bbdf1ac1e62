import type { Bus } from '@toolgate/bus';
import type { PendingConfigChange } from '@toolgate/core/config-change';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { recordConfigChange } from '@toolgate/db/config-outbox';
import {
  apiTokens,
  gateways,
  gatewayTeams,
  gatewayToolAssignments,
  installations,
  teams,
} from '@toolgate/db/schema';
import { and, asc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges, recordGatewayChange } from '../invalidation.ts';
import type { TeamDeletion, TeamUsage } from '../schemas/team-management.ts';
import { TEAM_NOT_FOUND } from '../team-access.ts';
import { lockWorkspace, type Tx } from '../workspace-lock.ts';

export interface DeleteTeamOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  teamId: string;
  /** Take the team off its gateways and delete its installations and tokens too. */
  detach?: boolean;
}

/**
 * Deletes a team (owners and admins) with its membership list.
 *
 * A team still in use — shared with a gateway, owning installations (scope `team`) or live API
 * tokens (scope `team`) — is a CONFLICT (`details.reason` "team-in-use") whose details name each
 * of them, unless `detach` is set. Then, in the same transaction: the team is taken off its
 * gateways; its installations are deleted with their tools and sealed credentials, and with any
 * gateway assignment pinned to them (listed under `pinnedBy`); its API tokens are deleted, so they
 * stop working; its pending installation requests go too. Every affected gateway and token is
 * refreshed on every proxy replica, and replicas map users to teams afresh.
 *
 * A gateway visible to teams is never left shared with nobody, and never silently opened to the
 * whole organization: when this team is the only one a `teams` gateway is shared with, even a
 * detaching delete is a CONFLICT (`details.reason` "last-team-of-gateway") naming those gateways.
 * Share them with another team, make them org-wide, or delete them first.
 */
export async function deleteTeam({
  db,
  bus,
  tenantId,
  actor,
  teamId,
  detach = false,
}: DeleteTeamOptions): Promise<TeamDeletion> {
  requireAdmin(actor, 'delete teams');
  const { deletion, recorded } = await db.transaction(async (tx) => {
    // The workspace lock orders this after (or before) concurrent membership changes of the team.
    await lockWorkspace(tx, tenantId);
    const [team] = await tx
      .select()
      .from(teams)
      .where(and(eq(teams.tenantId, tenantId), eq(teams.id, teamId)))
      .for('update');
    if (!team) throw new AppError('NOT_FOUND', TEAM_NOT_FOUND);

    const usage = await teamUsage(tx, tenantId, teamId);
    const inUse = usage.gateways.length + usage.installations.length + usage.tokens.length > 0;
    if (inUse && !detach) {
      throw new AppError('CONFLICT', inUseMessage(team.name, usage), { reason: 'team-in-use', ...usage });
    }
    const stranded = await gatewaysSharedOnlyWith(tx, tenantId, teamId);
    if (stranded.length > 0) {
      const [it, is] = stranded.length === 1 ? ['it', 'is'] : ['them', 'are'];
      throw new AppError(
        'CONFLICT',
        `${plural(stranded.length, 'Gateway', 'Gateways')} ${quotedSlugs(stranded)} ${is} shared with ` +
          `this team only. Share ${it} with another team, make ${it} visible to the organization, ` +
          `or delete ${it} first`,
        { reason: 'last-team-of-gateway', gateways: stranded },
      );
    }

    // Found before the delete: assignments pinned to the team's installations cascade with them,
    // and gateways resolving the team's installations at call time expose that registry entry.
    const changedGateways = await affectedGateways(tx, tenantId, teamId);
    const tokenHashes = (
      await tx
        .select({ tokenHash: apiTokens.tokenHash })
        .from(apiTokens)
        .where(and(eq(apiTokens.tenantId, tenantId), eq(apiTokens.teamId, teamId)))
    ).map((t) => t.tokenHash);

    // Team members, gateway links, installations (tools, pinned assignments), tokens and
    // installation requests of the team all reference it ON DELETE CASCADE.
    await tx.delete(teams).where(and(eq(teams.tenantId, tenantId), eq(teams.id, teamId)));

    const changes: PendingConfigChange[] = [
      ...(await recordGatewayChange(tx, tenantId, changedGateways, 'team deleted')),
      // Tenant-wide: every cached user principal lists its teams, and identity providers' group
      // claims may have named this one.
      await recordConfigChange(tx, { tenantId, reason: 'team deleted', tenantWide: true, tokenHashes }),
    ];
    return {
      deletion: { id: team.id, slug: team.slug, name: team.name, detached: usage },
      recorded: changes,
    };
  });
  await deliverChanges(db, bus, recorded);
  return deletion;
}

/** What uses the team, each list in a stable order. */
async function teamUsage(tx: Tx, tenantId: string, teamId: string): Promise<TeamUsage> {
  // One after another: the queries share the transaction's connection.
  const sharedWith = await tx
    .select({ id: gateways.id, slug: gateways.slug, name: gateways.name })
    .from(gatewayTeams)
    .innerJoin(gateways, eq(gateways.id, gatewayTeams.gatewayId))
    .where(and(eq(gatewayTeams.tenantId, tenantId), eq(gatewayTeams.teamId, teamId)))
    .orderBy(asc(gateways.slug));
  const owned = await tx
    .select({
      id: installations.id,
      name: installations.name,
      registryEntryId: installations.registryEntryId,
    })
    .from(installations)
    .where(
      and(
        eq(installations.tenantId, tenantId),
        eq(installations.scope, 'team'),
        eq(installations.teamId, teamId),
      ),
    )
    .orderBy(asc(installations.name), asc(installations.id));
  const tokens = await tx
    .select({ id: apiTokens.id, name: apiTokens.name })
    .from(apiTokens)
    .where(
      and(
        eq(apiTokens.tenantId, tenantId),
        eq(apiTokens.scope, 'team'),
        eq(apiTokens.teamId, teamId),
        isNull(apiTokens.revokedAt),
      ),
    )
    .orderBy(asc(apiTokens.name), asc(apiTokens.id));
  const pins =
    owned.length === 0
      ? []
      : await tx
          .selectDistinct({
            installationId: gatewayToolAssignments.installationId,
            id: gateways.id,
            slug: gateways.slug,
          })
          .from(gatewayToolAssignments)
          .innerJoin(gateways, eq(gateways.id, gatewayToolAssignments.gatewayId))
          .where(
            and(
              eq(gatewayToolAssignments.tenantId, tenantId),
              inArray(
                gatewayToolAssignments.installationId,
                owned.map((i) => i.id),
              ),
            ),
          )
          .orderBy(asc(gateways.slug));
  return {
    gateways: sharedWith,
    installations: owned.map((i) => ({
      ...i,
      pinnedBy: pins.filter((p) => p.installationId === i.id).map(({ id, slug }) => ({ id, slug })),
    })),
    tokens,
  };
}

/** `teams` gateways shared with this team and no other. */
async function gatewaysSharedOnlyWith(tx: Tx, tenantId: string, teamId: string) {
  const others = tx
    .select({ one: sql`1` })
    .from(gatewayTeams)
    .where(
      and(
        eq(gatewayTeams.tenantId, tenantId),
        eq(gatewayTeams.gatewayId, gateways.id),
        ne(gatewayTeams.teamId, teamId),
      ),
    );
  return tx
    .select({ id: gateways.id, slug: gateways.slug, name: gateways.name })
    .from(gateways)
    .innerJoin(gatewayTeams, and(eq(gatewayTeams.gatewayId, gateways.id), eq(gatewayTeams.teamId, teamId)))
    .where(
      and(
        eq(gateways.tenantId, tenantId),
        eq(gatewayTeams.tenantId, tenantId),
        eq(gateways.visibility, 'teams'),
        sql`not exists (${others})`,
      ),
    )
    .orderBy(asc(gateways.slug));
}

/**
 * Gateways whose snapshots the deletion changes: those shared with the team, and those exposing a
 * registry entry the team has an installation of (pinned to it, or resolving it at call time).
 */
async function affectedGateways(tx: Tx, tenantId: string, teamId: string) {
  const teamEntries = tx
    .select({ id: installations.registryEntryId })
    .from(installations)
    .where(and(eq(installations.tenantId, tenantId), eq(installations.teamId, teamId)));
  const shared = await tx
    .select({ id: gateways.id, slug: gateways.slug })
    .from(gatewayTeams)
    .innerJoin(gateways, eq(gateways.id, gatewayTeams.gatewayId))
    .where(and(eq(gatewayTeams.tenantId, tenantId), eq(gatewayTeams.teamId, teamId)));
  const exposing = await tx
    .selectDistinct({ id: gateways.id, slug: gateways.slug })
    .from(gatewayToolAssignments)
    .innerJoin(gateways, eq(gateways.id, gatewayToolAssignments.gatewayId))
    .where(
      and(
        eq(gatewayToolAssignments.tenantId, tenantId),
        eq(gateways.tenantId, tenantId),
        inArray(gatewayToolAssignments.registryEntryId, teamEntries),
      ),
    );
  const byId = new Map([...shared, ...exposing].map((g) => [g.id, g]));
  return [...byId.values()];
}

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
const quotedSlugs = (list: { slug: string }[]) => list.map((g) => `"${g.slug}"`).join(', ');

function inUseMessage(teamName: string, usage: TeamUsage): string {
  const parts: string[] = [];
  if (usage.gateways.length > 0)
    parts.push(`${plural(usage.gateways.length, 'gateway', 'gateways')} ${quotedSlugs(usage.gateways)}`);
  if (usage.installations.length > 0)
    parts.push(
      `${plural(usage.installations.length, 'installation', 'installations')} ${usage.installations
        .map((i) => `"${i.name}"`)
        .join(', ')}`,
    );
  if (usage.tokens.length > 0)
    parts.push(`${usage.tokens.length} ${plural(usage.tokens.length, 'API token', 'API tokens')}`);
  return (
    `Team "${teamName}" is still used by ${parts.join(', ')}. ` +
    'Delete it with detach to take it off those gateways and delete its installations and tokens'
  );
}
