import { oauthAuthorizationCodes, oauthRefreshTokens } from '@toolgate/db/schema';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { ACCESS_TOKEN_TTL_SECONDS, accessTokenRevocationId, CLOCK_SKEW_SECONDS } from './constants.ts';
import { recordAndDeliver } from './config-delivery.ts';
import { nowOf, type AuthServerDeps } from './deps.ts';

/**
 * Access tokens carry, as `jti`, the id of the row they were issued with: the authorization
 * code's for the first one, the successor refresh token's for each refresh. So a family's
 * access tokens can be revoked without storing them.
 */

/** Puts access-token ids on the revocation set and tells proxies to drop cached verifications. */
export async function revokeAccessTokens(
  deps: Pick<AuthServerDeps, 'db' | 'bus'>,
  tenantId: string,
  jtis: readonly string[],
  ttlSeconds = ACCESS_TOKEN_TTL_SECONDS,
): Promise<void> {
  const expiresAt = Math.ceil(Date.now() / 1000) + Math.max(1, ttlSeconds);
  await recordAndDeliver(
    deps.db,
    deps.bus,
    jtis.map((jti) => ({
      tenantId,
      reason: 'oauth access token revoked',
      revoked: { id: accessTokenRevocationId(jti), expiresAt },
    })),
  );
}

/**
 * Ends a refresh-token family (reuse detected, or the client revoked it): every refresh token
 * in it is marked revoked and the access tokens issued within it that may still be live go on
 * the revocation set.
 */
export async function revokeFamily(
  deps: Pick<AuthServerDeps, 'db' | 'bus' | 'now'>,
  { tenantId, familyId }: { tenantId: string; familyId: string },
): Promise<void> {
  const now = nowOf(deps);
  const liveSince = new Date(now.getTime() - (ACCESS_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS) * 1000);
  await deps.db
    .update(oauthRefreshTokens)
    .set({ revokedAt: now })
    .where(
      and(
        eq(oauthRefreshTokens.tenantId, tenantId),
        eq(oauthRefreshTokens.familyId, familyId),
        isNull(oauthRefreshTokens.revokedAt),
      ),
    );
  const refreshed = await deps.db
    .select({ id: oauthRefreshTokens.id })
    .from(oauthRefreshTokens)
    .where(
      and(
        eq(oauthRefreshTokens.tenantId, tenantId),
        eq(oauthRefreshTokens.familyId, familyId),
        gt(oauthRefreshTokens.createdAt, liveSince),
      ),
    );
  const codes = await deps.db
    .select({ id: oauthAuthorizationCodes.id })
    .from(oauthAuthorizationCodes)
    .where(
      and(
        eq(oauthAuthorizationCodes.tenantId, tenantId),
        eq(oauthAuthorizationCodes.familyId, familyId),
        gt(oauthAuthorizationCodes.createdAt, liveSince),
      ),
    );
  await revokeAccessTokens(
    deps,
    tenantId,
    [...codes, ...refreshed].map((r) => r.id),
  );
}
