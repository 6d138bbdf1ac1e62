import type { Bus } from '@toolgate/bus';
import type { ConfigChange } from '@toolgate/core/config-change';
import { recordConfigChange } from '@toolgate/db/config-outbox';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { oauthGrants, oauthRefreshTokens } from '@toolgate/db/schema';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { deliverConfigChanges, recordAndDeliver } from './config-delivery.ts';
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
  const { grant, recorded } = await db.transaction(async (tx) => {
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
    const recordedChange = await recordConfigChange(tx, grantRevoked(tenantId, grantId, now));
    return { grant: revoked ?? current, recorded: recordedChange };
  });
  await deliverConfigChanges(db, bus, [recorded]);
  return grant;
}

/**
 * After grants ended (revoked, or deleted with their client): proxies refuse their access tokens
 * from now on and drop any they had already verified.
 */
export async function announceGrantsRevoked(
  { db, bus }: GrantDeps,
  tenantId: string,
  grantIds: readonly string[],
): Promise<void> {
  const now = new Date();
  await recordAndDeliver(
    db,
    bus,
    grantIds.map((id) => grantRevoked(tenantId, id, now)),
  );
}

const grantRevoked = (tenantId: string, grantId: string, now: Date): ConfigChange => ({
  tenantId,
  reason: 'oauth grant revoked',
  revoked: {
    id: grantRevocationId(grantId),
    expiresAt: Math.ceil(now.getTime() / 1000) + ACCESS_TOKEN_TTL_SECONDS,
  },
});

/** The tenant's grants of a client (ids), for revoking them before the client goes. */
export async function grantIdsOfClient(db: Database, tenantId: string, clientIds: readonly string[]) {
  if (clientIds.length === 0) return [];
  const rows = await db
    .select({ id: oauthGrants.id })
    .from(oauthGrants)
    .where(and(eq(oauthGrants.tenantId, tenantId), inArray(oauthGrants.clientId, [...clientIds])));
  return rows.map((r) => r.id);
}
