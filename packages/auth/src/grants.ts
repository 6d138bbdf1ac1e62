import { publishRevocation, type Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { oauthGrants, oauthRefreshTokens } from '@toolgate/db/schema';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { ACCESS_TOKEN_TTL_SECONDS, grantRevocationId } from './constants.ts';

export interface GrantDeps {
  db: Database;
  bus: Bus;
}

export type GrantRow = typeof oauthGrants.$inferSelect;

/**
 * Ends a consent grant: the grant and every refresh token issued under it are marked revoked,
 * and the grant's id goes into the revocation set for as long as an access token can live, so
 * proxies refuse the access tokens already out. Another tenant's grant is NOT_FOUND. Revoking
 * twice keeps the first time (and refreshes the revocation entry).
 */
export async function revokeGrant(
  { db, bus }: GrantDeps,
  { tenantId, grantId }: { tenantId: string; grantId: string },
): Promise<GrantRow> {
  const now = new Date();
  const grant = await db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(oauthGrants)
      .where(and(eq(oauthGrants.tenantId, tenantId), eq(oauthGrants.id, grantId)));
    if (!current) throw new AppError('NOT_FOUND', 'Grant not found');
    const [revoked] = await tx
      .update(oauthGrants)
      .set({ revokedAt: now, updatedAt: now })
      .where(
        and(eq(oauthGrants.tenantId, tenantId), eq(oauthGrants.id, grantId), isNull(oauthGrants.revokedAt)),
      )
      .returning();
    await tx
      .update(oauthRefreshTokens)
      .set({ revokedAt: now })
      .where(
        and(
          eq(oauthRefreshTokens.tenantId, tenantId),
          eq(oauthRefreshTokens.grantId, grantId),
          isNull(oauthRefreshTokens.revokedAt),
        ),
      );
    return revoked ?? current;
  });
  await announceGrantsRevoked(bus, tenantId, [grant.id]);
  return grant;
}

/**
 * After grants ended (revoked, or deleted with their client): proxies refuse their access tokens
 * from now on and drop any they had already verified.
 */
export async function announceGrantsRevoked(
  bus: Bus,
  tenantId: string,
  grantIds: readonly string[],
): Promise<void> {
  await Promise.all(
    grantIds.map((id) =>
      publishRevocation(bus, {
        tenantId,
        revokedId: grantRevocationId(id),
        ttlSeconds: ACCESS_TOKEN_TTL_SECONDS,
      }),
    ),
  );
}

/** The tenant's grants of a client (ids), for revoking them before the client goes. */
export async function grantIdsOfClient(db: Database, tenantId: string, clientIds: readonly string[]) {
  if (clientIds.length === 0) return [];
  const rows = await db
    .select({ id: oauthGrants.id })
    .from(oauthGrants)
    .where(and(eq(oauthGrants.tenantId, tenantId), inArray(oauthGrants.clientId, [...clientIds])));
  return rows.map((r) => r.id);
}
