import { hashApiToken, isWellFormedApiToken } from '@toolgate/core/api-token';
import { AppError } from '@toolgate/core/errors';
import { findTokenPrincipal, tokenProblem, touchApiTokens } from '@toolgate/db/api-tokens';
import type { TokenPrincipal } from '@toolgate/db/api-tokens';
import type { Database } from '@toolgate/db/client';
import type { TokenCapability } from '@toolgate/db/schema';
import type { Actor } from '../actor.ts';

export interface AuthenticateApiTokenOptions {
  db: Database;
  /** The presented bearer token (without "Bearer "). */
  token: string;
  /** What the caller wants to do with it. */
  capability: TokenCapability;
}

export interface AuthenticatedCaller {
  tenantId: string;
  tenantSlug: string;
  actor: Actor;
}

/**
 * Resolves an API token to its tenant and the actor it stands for. A user token acts with its
 * user's current role; an org token as an admin without a user; a team token as a member
 * without a user. Unknown, malformed, expired and revoked tokens are UNAUTHORIZED (all alike,
 * but for the message); a token without the capability is FORBIDDEN.
 */
export async function authenticateApiToken({
  db,
  token,
  capability,
}: AuthenticateApiTokenOptions): Promise<AuthenticatedCaller> {
  if (!isWellFormedApiToken(token))
    throw new AppError('UNAUTHORIZED', 'The bearer token is not a valid API token');
  const principal = await findTokenPrincipal(db, hashApiToken(token));
  if (!principal) throw new AppError('UNAUTHORIZED', 'The bearer token is not a valid API token');
  requireUsableToken(principal);
  if (!principal.capabilities.includes(capability))
    throw new AppError('FORBIDDEN', `The API token lacks the "${capability}" capability`);

  const actor = tokenActor(principal);
  await touchApiTokens(db, [principal.tokenId]);
  return { tenantId: principal.tenantId, tenantSlug: principal.tenantSlug, actor };
}

const TOKEN_PROBLEMS = {
  revoked: 'The API token has been revoked',
  expired: 'The API token has expired',
  not_member: "The API token's user is no longer a member",
} as const;

/** Refuses (UNAUTHORIZED) a token that is revoked, expired, or whose user has left. */
export function requireUsableToken(principal: TokenPrincipal): void {
  const problem = tokenProblem(principal);
  if (problem) throw new AppError('UNAUTHORIZED', TOKEN_PROBLEMS[problem]);
}

/**
 * The actor a token stands for: a user token acts with its user's current role; an org token as
 * an admin without a user; a team token as a member without a user.
 */
export function tokenActor(principal: TokenPrincipal): Actor {
  if (principal.scope === 'org') return { userId: null, role: 'admin', tokenId: principal.tokenId };
  if (principal.scope === 'team') return { userId: null, role: 'member', tokenId: principal.tokenId };
  if (!principal.userRole) throw new AppError('UNAUTHORIZED', "The API token's user is no longer a member");
  return { userId: principal.userId, role: principal.userRole, tokenId: principal.tokenId };
}
