import {
  ACCESS_TOKEN_TTL_SECONDS,
  ACCESS_TOKEN_VERIFY_OPTIONS,
  accessTokenRevocationId,
  CLOCK_SKEW_SECONDS,
  grantRevocationId,
  parseScope,
  signingKeyRevocationId,
} from '@toolgate/auth/constants';
import { CachedKeySet } from '@toolgate/auth/jwks-cache';
import { publicJwks } from '@toolgate/auth/signing-keys';
import type { RevocationChecker } from '@toolgate/auth/revocation-check';
import { ALL_TENANTS } from '@toolgate/core/config-change';
import type { Logger } from '@toolgate/core/logger';
import { TtlLru } from '@toolgate/core/lru';
import type { DbHandle } from '@toolgate/db/client';
import { jwtVerify } from 'jose';
import { isCompactJws, unverifiedIssuer, verifyFailure } from './jwt-util.ts';
import { memberPrincipal, type AuthContext, type AuthResult, type Authenticator } from './principal.ts';
import type { UserPrincipals } from './user-principals.ts';

interface Options {
  db: DbHandle;
  /** The revocation set (Redis, Postgres when Redis cannot answer). */
  revocations: RevocationChecker;
  log: Logger;
  /** issuerFrom(PUBLIC_WEB_URL): tokens naming it are ours. */
  issuer: string;
  users: UserPrincipals;
  /** Longest a verified token is trusted without asking the revocation set again. Default 60 s. */
  verifiedTtlMs?: number;
  /** Our JWKS reload gate on unknown `kid`s. Default 30 s. */
  minKeyRefreshMs?: number;
}

/** What verification established about one token, context-free (cached by token hash). */
interface Verified {
  sub: string;
  aud: string;
  tid: string;
  gid: string;
  /** Seconds. */
  exp: number;
  scopes: string[];
  /** The OAuth client the token was issued to (RFC 9068 `client_id`): the agent. */
  clientId?: string;
  /** Revocation-set ids that refuse this token. */
  revocationIds: string[];
}

/**
 * Access tokens minted by Toolgate's authorization server (RFC 9068, ES256), verified locally
 * against the JWKS read from Postgres once and reloaded only for an unknown `kid`.
 *
 * A verified token is remembered (keyed by itself, in process memory only) for at most `verifiedTtlMs` (and never past `exp`),
 * so steady-state requests cost no Postgres query and no Redis round trip. The revocation set is
 * asked (one EXISTS) only when a token is verified afresh; revocations published on the bus
 * (`revokedId`) drop remembered tokens on every replica at once, and the ids are kept locally as
 * long as a token they cover can live.
 */
export class OAuthAuthenticator implements Authenticator {
  readonly method = 'oauth' as const;
  private readonly verified: TtlLru<string, Verified>;
  private readonly revoked = new TtlLru<string, true>(
    100_000,
    (ACCESS_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS) * 1000,
  );
  private readonly keys: CachedKeySet;
  private readonly verifiedTtlMs: number;

  constructor(private readonly options: Options) {
    this.verifiedTtlMs = options.verifiedTtlMs ?? 60_000;
    this.verified = new TtlLru(50_000, this.verifiedTtlMs);
    this.keys = new CachedKeySet(() => publicJwks(options.db.db), {
      minRefreshMs: options.minKeyRefreshMs ?? 30_000,
    });
  }

  claims(bearer: string): boolean {
    // A token verified a moment ago is ours without decoding it again (steady state).
    if (this.verified.peek(bearer) !== undefined) return true;
    return isCompactJws(bearer) && unverifiedIssuer(bearer) === this.options.issuer;
  }

  /** A revocation published on the bus: refuse what it names from now on, on this replica too. */
  revoke(revocationId: string): void {
    this.revoked.set(revocationId, true);
    this.verified.deleteWhere((v) => v.revocationIds.includes(revocationId));
  }

  /** Drops the tenant's remembered tokens (every tenant's for ALL_TENANTS): a missed message. */
  forgetTenant(tenantId: string): void {
    this.verified.deleteWhere((v) => tenantId === ALL_TENANTS || v.tid === tenantId);
  }

  async authenticate(bearer: string, context: AuthContext): Promise<AuthResult> {
    // Keyed by the token itself: hashing a JWT would cost more than the rest of a cache hit.
    let token = this.verified.get(bearer);
    if (!token) {
      const fresh = await this.verify(bearer);
      if (!fresh.ok) return fresh;
      token = fresh.token;
      const ttl = Math.min(this.verifiedTtlMs, token.exp * 1000 - Date.now());
      if (ttl > 0) this.verified.set(bearer, token, ttl);
    }
    if (token.exp * 1000 <= Date.now() - CLOCK_SKEW_SECONDS * 1000) return { ok: false, failure: 'expired' };
    if (token.tid !== context.tenantId) return { ok: false, failure: 'wrong_tenant' };
    // Exactly this gateway's URL (RFC 8707); the id guards against a gateway re-created under the
    // same slug.
    if (token.aud !== context.resourceUrl || (context.gatewayId !== '' && token.gid !== context.gatewayId)) {
      return { ok: false, failure: 'wrong_audience' };
    }
    if (token.revocationIds.some((id) => this.revoked.get(id))) return { ok: false, failure: 'revoked' };
    let user;
    try {
      user = await this.options.users.get(token.tid, token.sub);
    } catch (err) {
      this.options.log.error({ err: (err as Error).message }, 'user lookup failed');
      return { ok: false, failure: 'unavailable' };
    }
    if (!user) return { ok: false, failure: 'not_member' };
    return {
      ok: true,
      principal: memberPrincipal(user.tenantId, user, 'oauth', token.scopes, token.clientId),
    };
  }

  private async verify(
    bearer: string,
  ): Promise<{ ok: true; token: Verified } | Extract<AuthResult, { ok: false }>> {
    let payload;
    let kid: string | undefined;
    try {
      ({
        payload,
        protectedHeader: { kid },
      } = await jwtVerify(bearer, this.keys.getKey, {
        ...ACCESS_TOKEN_VERIFY_OPTIONS,
        issuer: this.options.issuer,
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'aud'],
      }));
    } catch (err) {
      const failure = verifyFailure(err);
      if (failure === 'unavailable') {
        this.options.log.error({ err: (err as Error).message }, 'signing keys unavailable');
      }
      return { ok: false, failure };
    }
    const { sub, aud, exp, jti } = payload;
    const { tid, gid, scope, grant, client_id: clientId } = payload as Record<string, unknown>;
    if (
      typeof sub !== 'string' ||
      typeof aud !== 'string' ||
      typeof exp !== 'number' ||
      typeof jti !== 'string' ||
      typeof tid !== 'string' ||
      typeof gid !== 'string' ||
      (scope !== undefined && typeof scope !== 'string') ||
      (grant !== undefined && typeof grant !== 'string')
    ) {
      return { ok: false, failure: 'malformed' };
    }
    const revocationIds = [
      accessTokenRevocationId(jti),
      ...(grant ? [grantRevocationId(grant)] : []),
      ...(kid ? [signingKeyRevocationId(kid)] : []),
    ];
    if (revocationIds.some((id) => this.revoked.get(id))) return { ok: false, failure: 'revoked' };
    try {
      if (await this.options.revocations.isRevoked(revocationIds)) return { ok: false, failure: 'revoked' };
    } catch (err) {
      // Neither Redis nor Postgres could say: a revoked token cannot be told apart, so refuse.
      this.options.log.error({ err: (err as Error).message }, 'revocations unavailable');
      return { ok: false, failure: 'unavailable' };
    }
    return {
      ok: true,
      token: {
        sub,
        aud,
        tid,
        gid,
        exp,
        scopes: parseScope(scope),
        ...(typeof clientId === 'string' ? { clientId } : {}),
        revocationIds,
      },
    };
  }
}
