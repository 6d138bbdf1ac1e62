import type { Database } from '@toolgate/db/client';
import {
  installations,
  registryEntries,
  teamMembers,
  upstreamConnections,
  upstreamOAuthClients,
} from '@toolgate/db/schema';
import { and, eq, inArray, or, type SQL } from 'drizzle-orm';
import { isAdmin, type Actor } from '../../actor.ts';
import type { Connection } from '../../schemas/connections.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Connected accounts the actor may see: their own personal ones, their teams' and the
 * organization's; owners and admins see every connection of the tenant (and may revoke any).
 */
export async function listConnections(options: {
  db: Database;
  tenantId: string;
  actor: Actor;
  connectionId?: string;
}): Promise<Connection[]> {
  const { db, tenantId, actor } = options;
  let visible: SQL | undefined;
  if (!isAdmin(actor)) {
    const teamIds = actor.userId
      ? (
          await db
            .select({ teamId: teamMembers.teamId })
            .from(teamMembers)
            .where(and(eq(teamMembers.tenantId, tenantId), eq(teamMembers.userId, actor.userId)))
        ).map((r) => r.teamId)
      : [];
    visible = or(
      eq(installations.scope, 'org'),
      ...(actor.userId ? [eq(installations.userId, actor.userId)] : []),
      ...(teamIds.length > 0 ? [inArray(installations.teamId, teamIds)] : []),
    );
  }
  const rows = await db
    .select({
      c: upstreamConnections,
      i: installations,
      e: registryEntries,
      issuer: upstreamOAuthClients.issuer,
    })
    .from(upstreamConnections)
    .innerJoin(installations, eq(installations.id, upstreamConnections.installationId))
    .innerJoin(registryEntries, eq(registryEntries.id, installations.registryEntryId))
    .innerJoin(upstreamOAuthClients, eq(upstreamOAuthClients.id, upstreamConnections.clientId))
    .where(
      and(
        eq(upstreamConnections.tenantId, tenantId),
        eq(installations.tenantId, tenantId),
        ...(options.connectionId ? [eq(upstreamConnections.id, options.connectionId)] : []),
        ...(visible ? [visible] : []),
      ),
    )
    .orderBy(registryEntries.name, upstreamConnections.connectedAt);
  return rows.map(({ c, i, e, issuer }) => ({
    id: c.id,
    installationId: i.id,
    server: { registryEntryId: e.id, slug: e.slug, name: e.name },
    scope: i.scope,
    teamId: i.teamId,
    userId: i.userId,
    account: c.account,
    issuer,
    scopes: c.scopes,
    status: c.status,
    connectedAt: c.connectedAt.toISOString(),
    lastUsedAt: iso(c.lastUsedAt),
    lastRefreshedAt: iso(c.lastRefreshedAt),
    accessTokenExpiresAt: iso(c.accessTokenExpiresAt),
    lastError: c.lastError,
  }));
}
