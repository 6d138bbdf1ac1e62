import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { gateways, oauthClients, oauthGrants, users } from '@toolgate/db/schema';
import { and, count, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { isAdmin, type Actor } from '../actor.ts';
import { toIso, toIsoOrNull } from '../schemas/common.ts';
import type { OAuthClient, OAuthGrant } from '../schemas/oauth.ts';

type ClientRow = typeof oauthClients.$inferSelect;

/** Grants a caller may see and revoke: all of the tenant's for owners and admins, else their own. */
export function visibleGrants(tenantId: string, actor: Actor): SQL | undefined {
  const tenant = eq(oauthGrants.tenantId, tenantId);
  if (isAdmin(actor)) return tenant;
  return actor.userId ? and(tenant, eq(oauthGrants.userId, actor.userId)) : sql`false`;
}

/** Grants matching `where`, newest first, with their client, user and gateway names. */
export async function loadGrantViews(
  db: Database,
  tenantId: string,
  where: SQL | undefined,
): Promise<OAuthGrant[]> {
  const rows = await db
    .select({
      grant: oauthGrants,
      client: oauthClients,
      user: { id: users.id, email: users.email, name: users.name },
    })
    .from(oauthGrants)
    .innerJoin(oauthClients, eq(oauthClients.id, oauthGrants.clientId))
    .innerJoin(users, eq(users.id, oauthGrants.userId))
    .where(where)
    .orderBy(desc(oauthGrants.createdAt));
  const gatewayIds = [...new Set(rows.flatMap((r) => r.grant.gatewayIds))];
  const gatewayRows =
    gatewayIds.length === 0
      ? []
      : await db
          .select({ id: gateways.id, slug: gateways.slug, name: gateways.name })
          .from(gateways)
          .where(and(eq(gateways.tenantId, tenantId), inArray(gateways.id, gatewayIds)));
  const byId = new Map(gatewayRows.map((g) => [g.id, g]));
  return rows.map(({ grant, client, user }) => ({
    id: grant.id,
    client: { id: client.id, clientId: client.clientId, name: client.name, kind: client.kind },
    user,
    scopes: grant.scopes,
    gateways: grant.gatewayIds.flatMap((id) => byId.get(id) ?? []),
    status: grant.revokedAt ? 'revoked' : 'active',
    createdAt: toIso(grant.createdAt),
    lastUsedAt: toIsoOrNull(grant.lastUsedAt),
    revokedAt: toIsoOrNull(grant.revokedAt),
  }));
}

/** The tenant's pre-registered clients matching `where`, with their live grant counts. */
export async function loadClientViews(
  db: Database,
  tenantId: string,
  rows: ClientRow[],
): Promise<OAuthClient[]> {
  if (rows.length === 0) return [];
  const counts = await db
    .select({ clientId: oauthGrants.clientId, n: count() })
    .from(oauthGrants)
    .where(
      and(
        eq(oauthGrants.tenantId, tenantId),
        isNull(oauthGrants.revokedAt),
        inArray(
          oauthGrants.clientId,
          rows.map((r) => r.id),
        ),
      ),
    )
    .groupBy(oauthGrants.clientId);
  const byClient = new Map(counts.map((c) => [c.clientId, c.n]));
  return rows.map((row) => ({
    id: row.id,
    clientId: row.clientId,
    name: row.name,
    redirectUris: row.redirectUris,
    confidential: row.tokenEndpointAuthMethod !== 'none',
    activeGrants: byClient.get(row.id) ?? 0,
    createdAt: toIso(row.createdAt),
    lastUsedAt: toIsoOrNull(row.lastUsedAt),
  }));
}

/** The tenant's own pre-registered clients; DCR and CIMD clients belong to no tenant. */
export const tenantClients = (tenantId: string): SQL | undefined =>
  and(eq(oauthClients.tenantId, tenantId), eq(oauthClients.kind, 'preregistered'));

export async function findClientRow(db: Database, tenantId: string, id: string): Promise<ClientRow> {
  const [row] = await db
    .select()
    .from(oauthClients)
    .where(and(tenantClients(tenantId), eq(oauthClients.id, id)));
  if (!row) throw new AppError('NOT_FOUND', 'OAuth client not found');
  return row;
}
