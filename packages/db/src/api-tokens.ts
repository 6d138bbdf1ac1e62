import { and, eq, inArray, isNull, lt, or, type SQL } from 'drizzle-orm';
import type { Database } from './client.ts';
import {
  apiTokens,
  memberships,
  users,
  teamMembers,
  tenants,
  type MemberRole,
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
  /** The tenant's slug (REST answers carry gateway URLs). */
  tenantSlug: string;
  /**
   * A user token's owner's current role in the tenant; null when they are no longer a member.
   * Owners and admins see every gateway, as in the admin UI. Absent for org and team tokens.
   */
  userRole?: MemberRole | null;
  /** A user token's owner's address (absent for org and team tokens, and older cached records). */
  userEmail?: string;
  capabilities: TokenCapability[];
  /** ISO timestamps; checked at use, so a cached record still honours them. */
  expiresAt: string | null;
  revokedAt: string | null;
  /** The tenant's configuration version when this was read (older copies in a cache are stale). */
  configVersion: number;
  /** Gateways the token may call; null: every gateway its scope allows. */
  gatewayIds: string[] | null;
}

/**
 * Why a token may not be used now, or undefined: one rule for the REST API, the proxy and the
 * management server. A personal token of someone who left is refused (removal revokes it too;
 * this covers records cached before).
 */
export function tokenProblem(
  record: Pick<TokenPrincipal, 'revokedAt' | 'expiresAt' | 'userRole'>,
  now = Date.now(),
): 'revoked' | 'expired' | 'not_member' | undefined {
  if (record.revokedAt) return 'revoked';
  if (record.expiresAt && Date.parse(record.expiresAt) <= now) return 'expired';
  if (record.userRole === null) return 'not_member';
  return undefined;
}

export const findTokenPrincipal = (db: Database, tokenHash: string): Promise<TokenPrincipal | null> =>
  tokenPrincipalWhere(db, eq(apiTokens.tokenHash, tokenHash));

/** The same record for a token already identified (an authenticated MCP caller's token id). */
export const findTokenPrincipalById = (
  db: Database,
  tenantId: string,
  tokenId: string,
): Promise<TokenPrincipal | null> =>
  tokenPrincipalWhere(db, and(eq(apiTokens.tenantId, tenantId), eq(apiTokens.id, tokenId))!);

async function tokenPrincipalWhere(db: Database, match: SQL): Promise<TokenPrincipal | null> {
  const [found] = await db
    .select({ token: apiTokens, tenantSlug: tenants.slug, configVersion: tenants.configVersion })
    .from(apiTokens)
    .innerJoin(tenants, eq(tenants.id, apiTokens.tenantId))
    .where(and(match, isNull(tenants.deletedAt)));
  if (!found) return null;
  const { token, tenantSlug, configVersion } = found;
  let teamIds: string[] = [];
  if (token.scope === 'team' && token.teamId) teamIds = [token.teamId];
  let userRole: MemberRole | null | undefined;
  let userEmail: string | undefined;
  if (token.scope === 'user' && token.userId) {
    const [rows, [membership]] = await Promise.all([
      db
        .select({ teamId: teamMembers.teamId })
        .from(teamMembers)
        .where(and(eq(teamMembers.tenantId, token.tenantId), eq(teamMembers.userId, token.userId))),
      db
        .select({ role: memberships.role, email: users.email })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(eq(memberships.tenantId, token.tenantId), eq(memberships.userId, token.userId))),
    ]);
    userEmail = membership?.email;
    teamIds = rows.map((r) => r.teamId).sort();
    userRole = membership?.role ?? null;
  }
  return {
    tokenId: token.id,
    tenantId: token.tenantId,
    scope: token.scope,
    userId: token.userId,
    teamId: token.teamId,
    teamIds,
    tenantSlug,
    ...(userRole !== undefined ? { userRole } : {}),
    ...(userEmail !== undefined ? { userEmail } : {}),
    capabilities: token.capabilities,
    expiresAt: token.expiresAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
    configVersion,
    gatewayIds: token.gatewayIds,
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
