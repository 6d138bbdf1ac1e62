import type { SnapshotIdentityProvider } from '@toolgate/core/snapshot';
import type { Principal } from '../../mcp-call.ts';

/**
 * A tenant member calling as themselves (OAuth or identity-provider JWT): recorded as
 * `user:<id>`; owners and admins see every gateway, as in the admin UI.
 */
export function memberPrincipal(
  tenantId: string,
  user: { userId: string; teamIds: string[]; role: string; email?: string },
  authMethod: 'oauth' | 'idp_jwt',
  scopes?: string[],
  clientId?: string,
): Principal {
  return {
    id: `user:${user.userId}`,
    tenantId,
    authMethod,
    userId: user.userId,
    role: user.role,
    ...(user.email ? { email: user.email } : {}),
    teamIds: user.teamIds,
    orgWide: user.role === 'owner' || user.role === 'admin',
    ...(scopes ? { scopes } : {}),
    ...(clientId ? { clientId } : {}),
  };
}

export type AuthFailure =
  | 'missing'
  | 'malformed'
  | 'unknown'
  | 'expired'
  | 'revoked'
  | 'wrong_tenant'
  /** An API token restricted to other gateways. */
  | 'wrong_gateway'
  /** A JWT addressed to another resource (gateway URL) or audience. */
  | 'wrong_audience'
  /** A JWT from an issuer this gateway does not trust. */
  | 'wrong_issuer'
  /** A valid credential whose user is not (or no longer) a member of the tenant. */
  | 'not_member'
  /**
   * The tenant's identity provider vouches for the caller, who would join as a just-in-time
   * member, but the plan's members limit is reached.
   */
  | 'member_limit'
  /** Authenticated, but the token's scopes do not cover the method (HTTP 403). */
  | 'insufficient_scope'
  | 'method_not_allowed'
  | 'no_mcp_capability'
  | 'unavailable';

export type AuthResult =
  | { ok: true; principal: Principal }
  /** `method`: the kind of credential presented, when one was recognised (for the audit log). */
  | { ok: false; failure: AuthFailure; method?: Principal['authMethod'] };

export interface AuthContext {
  tenantId: string;
  gatewayId: string;
  /** Client auth methods the gateway accepts. */
  allowedMethods: readonly string[];
  /** The gateway's public URL: the audience of our OAuth access tokens (RFC 8707/9068). */
  resourceUrl: string;
  /** The identity provider whose JWTs the gateway accepts, with the tenant's JIT setting. */
  identityProvider?: SnapshotIdentityProvider;
  allowJitUsers?: boolean;
}

/** One way of proving identity. The chain asks each in turn whether the credential is theirs. */
export interface Authenticator {
  readonly method: Principal['authMethod'];
  /** Cheap, syntactic: is this bearer credential of my kind? */
  claims(bearer: string): boolean;
  authenticate(bearer: string, context: AuthContext): Promise<AuthResult>;
}

export class AuthenticatorChain {
  constructor(private readonly authenticators: Authenticator[]) {}

  async authenticate(authorization: string | undefined, context: AuthContext): Promise<AuthResult> {
    if (!authorization) return { ok: false, failure: 'missing' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) return { ok: false, failure: 'malformed' };
    const bearer = match[1]!;
    const authenticator = this.authenticators.find((a) => a.claims(bearer));
    if (!authenticator) return { ok: false, failure: 'malformed' };
    const { method } = authenticator;
    if (!context.allowedMethods.includes(method)) return { ok: false, failure: 'method_not_allowed', method };
    const result = await authenticator.authenticate(bearer, context);
    return result.ok ? result : { ...result, method };
  }
}
