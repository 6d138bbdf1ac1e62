import { discoverySubject, mintForwardedJwt, type ForwardedJwtSubject } from '@toolgate/auth/forwarded-jwt';
import type { KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import { findTokenPrincipalById } from '@toolgate/db/api-tokens';
import type { Database } from '@toolgate/db/client';
import type { registryEntries } from '@toolgate/db/schema';
import { findUserPrincipal } from '@toolgate/db/user-principals';
import type { UpstreamTarget } from '@toolgate/mcp/upstream';
import type { Actor } from '../actor.ts';

/** What the control plane needs to sign a Forwarded JWT, besides the database. */
export interface ForwardedJwtSigning {
  /** TOOLGATE_SECRET_KEYS: opens the authorization server's signing key. */
  secretKeys?: KeyRing;
  /** issuerFrom(PUBLIC_WEB_URL): the `iss` of Toolgate's tokens, whose JWKS upstreams trust. */
  issuer?: string;
}

/**
 * Whom the control plane's token names: the person (or API token) acting, exactly as the proxy
 * would name them on their calls; or `'toolgate'`, Toolgate itself (DISCOVERY_SUBJECT), when no
 * person asked for the exchange or the answer must not depend on who did (health checks).
 */
export type ControlPlaneCaller = Actor | 'toolgate';

const cannotSign = (entry: { name: string }) =>
  `${entry.name} expects a token signed by Toolgate (Forwarded JWT), which cannot be signed here`;

/** The key ring and the issuer, or UNAVAILABLE saying which is missing. */
export function requireForwardedJwtSigning(
  entry: { name: string },
  { secretKeys, issuer }: ForwardedJwtSigning,
): Required<ForwardedJwtSigning> {
  if (!secretKeys) throw new AppError('UNAVAILABLE', `${cannotSign(entry)}: TOOLGATE_SECRET_KEYS is not set`);
  if (!issuer)
    throw new AppError('UNAVAILABLE', `${cannotSign(entry)}: no issuer (PUBLIC_WEB_URL) was given`);
  return { secretKeys, issuer };
}

/**
 * `target` with a Forwarded JWT for `entry`'s URL as its `Authorization` header. Without the key
 * ring or the issuer the token cannot be signed, and the server is not contacted anonymously:
 * that is UNAVAILABLE, as a missing key ring is for sealed credentials.
 */
export async function withForwardedJwt(
  target: UpstreamTarget,
  entry: Pick<typeof registryEntries.$inferSelect, 'name' | 'url'>,
  options: ForwardedJwtSigning & { db: Database; tenantId: string; as: ControlPlaneCaller },
): Promise<UpstreamTarget> {
  const { db } = options;
  const { secretKeys, issuer } = requireForwardedJwtSigning(entry, options);
  if (!entry.url) throw new AppError('INVALID', `${entry.name} has no URL to address a Forwarded JWT to`);
  const subject =
    options.as === 'toolgate'
      ? discoverySubject(options.tenantId)
      : await subjectOf(db, options.tenantId, options.as);
  let token: string;
  try {
    ({ token } = await mintForwardedJwt(db, secretKeys, { issuer, audience: entry.url, subject }));
  } catch (err) {
    throw new AppError('UNAVAILABLE', `${cannotSign(entry)}: ${(err as Error).message}`);
  }
  return { ...target, headers: { ...target.headers, authorization: `Bearer ${token}` } };
}

/**
 * The proxy's principal for the same actor: a token's user, or the token itself (`token:<id>`)
 * when it acts for no user; a signed-in user with their address and their teams in the tenant.
 */
async function subjectOf(db: Database, tenantId: string, actor: Actor): Promise<ForwardedJwtSubject> {
  if (actor.tokenId) {
    const token = await findTokenPrincipalById(db, tenantId, actor.tokenId);
    if (token)
      return {
        tenantId,
        sub: token.userId ?? `token:${token.tokenId}`,
        ...(token.userEmail ? { email: token.userEmail } : {}),
        teamIds: token.teamIds,
      };
  } else if (actor.userId) {
    const user = await findUserPrincipal(db, tenantId, actor.userId);
    if (user)
      return {
        tenantId,
        sub: user.userId,
        ...(user.email ? { email: user.email } : {}),
        teamIds: user.teamIds,
      };
  }
  // Never Toolgate's own subject in a person's stead: who acted must be who the server sees.
  throw new AppError('FORBIDDEN', 'This caller cannot be named in a Forwarded JWT');
}
