import { and, eq, inArray, isNull, lt, or } from 'drizzle-orm';
import type { Database } from './client.ts';
import {
  apiTokens,
  memberships,
  teamMembers,
  type TokenCapability,
  type TokenScope,
} from './schema/index.ts';

/** What the proxy needs to know about a presented API token. Cached by hash, so plain JSON. */
export interface TokenPrincipal {
  tokenId: string;
  tenantId: string;
  scope: TokenScope;
  userId: string | null;
  teamId: string | null;
  /** Teams the principal acts for: the user's teams, or the token's team. */
  teamIds: string[];
  /**
   * A user token's owner is an owner or admin of the tenant: like them in the admin UI, it sees
   * every gateway. (A member whose token outlives their membership is refused elsewhere.)
   */
  userIsAdmin?: boolean;
  capabilities: TokenCapability[];
  /** ISO timestamps; checked at use, so a cached record still honours them. */
  expiresAt: string | null;
  revokedAt: string | null;
}

export async function findTokenPrincipal(db: Database, tokenHash: string): Promise<TokenPrincipal | null> {
  const [token] = await db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash));
  if (!token) return null;
  let teamIds: string[] = [];
  if (token.scope === 'team' && token.teamId) teamIds = [token.teamId];
  let userIsAdmin = false;
  if (token.scope === 'user' && token.userId) {
    const [rows, [membership]] = await Promise.all([
      db
        .select({ teamId: teamMembers.teamId })
        .from(teamMembers)
        .where(and(eq(teamMembers.tenantId, token.tenantId), eq(teamMembers.userId, token.userId))),
      db
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.tenantId, token.tenantId), eq(memberships.userId, token.userId))),
    ]);
    teamIds = rows.map((r) => r.teamId).sort();
    userIsAdmin = membership?.role === 'owner' || membership?.role === 'admin';
  }
  return {
    tokenId: token.id,
    tenantId: token.tenantId,
    scope: token.scope,
    userId: token.userId,
    teamId: token.teamId,
    teamIds,
    userIsAdmin,
    capabilities: token.capabilities,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
  };
}

/**
 * Records that tokens were used, at most once a minute per token. Called in batches from the
 * proxy (never per request) and from the REST API. Token ids are globally unique and come from
 * tokens that just authenticated, so no tenant filter is needed to stay within one tenant.
 */
export async function touchApiTokens(
  db: Database,
  tokenIds: readonly string[],
  at = new Date(),
): Promise<void> {
  if (tokenIds.length === 0) return;
  const staleBefore = new Date(at.getTime() - 60_000);
  await db
    .update(apiTokens)
    .set({ lastUsedAt: at })
    .where(
      and(
        inArray(apiTokens.id, [...tokenIds]),
        or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, staleBefore)),
      ),
    );
}
