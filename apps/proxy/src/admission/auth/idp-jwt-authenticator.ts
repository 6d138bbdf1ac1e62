import { CLOCK_SKEW_SECONDS, EXTERNAL_JWT_ALGORITHMS, ID_JAG_TYP } from '@toolgate/auth/constants';
import { resolveIdpCaller, type IdpCaller } from '@toolgate/auth/idp-users';
import type { PlansConfig } from '@toolgate/core/plans';
import type { JwksCache } from '@toolgate/auth/jwks-cache';
import type { Logger } from '@toolgate/core/logger';
import { TtlLru } from '@toolgate/core/lru';
import type { SnapshotIdentityProvider } from '@toolgate/core/snapshot';
import type { DbHandle } from '@toolgate/db/client';
import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { isCompactJws, unverifiedIssuer, verifyFailure } from './jwt-util.ts';
import { memberPrincipal, type AuthContext, type AuthResult, type Authenticator } from './principal.ts';

interface Options {
  db: DbHandle;
  log: Logger;
  jwks: JwksCache;
  /** Our own issuer: its tokens belong to the OAuth authenticator, never to this one. */
  ownIssuer: string;
  /** How long a token's caller → member mapping is reused. Default 30 s. */
  mappingTtlMs?: number;
  /** How long a verified token is trusted without checking its signature again (never past `exp`). Default 60 s. */
  verifiedTtlMs?: number;
  /** The deployment's plans: a JIT user is not added over the tenant's members limit. */
  plans?: PlansConfig;
}

/**
 * JWTs of a tenant's enterprise identity provider, accepted by gateways that name the provider
 * (snapshot) and allow `idp_jwt`. Signatures are checked locally against the provider's JWKS
 * (JwksCache); the caller is mapped to a tenant member with `resolveIdpUser` (which may create
 * them when the tenant allows JIT users), and that mapping is reused per (provider, user claim,
 * groups) for `mappingTtlMs`, so steady state asks neither Postgres nor Redis.
 */
export class IdpJwtAuthenticator implements Authenticator {
  readonly method = 'idp_jwt' as const;
  private readonly mappings: TtlLru<string, IdpCaller>;
  private readonly loading = new Map<string, Promise<IdpCaller>>();
  private readonly verified: TtlLru<
    string,
    { payload: JWTPayload; idpId: string; issuer: string; audience: string; jwksUri: string }
  >;
  private readonly verifiedTtlMs: number;

  constructor(private readonly options: Options) {
    this.mappings = new TtlLru(50_000, options.mappingTtlMs ?? 30_000);
    this.verifiedTtlMs = options.verifiedTtlMs ?? 60_000;
    this.verified = new TtlLru(50_000, this.verifiedTtlMs);
  }

  claims(bearer: string): boolean {
    // A token verified a moment ago is an IdP's without decoding it again (steady state).
    if (this.verified.peek(bearer) !== undefined) return true;
    return isCompactJws(bearer) && unverifiedIssuer(bearer) !== this.options.ownIssuer;
  }

  /** Membership changed: the next token of this user is mapped afresh. */
  forgetUser(tenantId: string, userId: string): void {
    this.mappings.deleteWhere((m, key) => key.startsWith(`${tenantId}\u0000`) && m?.user?.userId === userId);
  }

  forgetTenant(tenantId: string): void {
    this.mappings.deleteWhere((_, key) => key.startsWith(`${tenantId}\u0000`));
  }

  async authenticate(bearer: string, context: AuthContext): Promise<AuthResult> {
    const idp = context.identityProvider;
    if (!idp?.enabled) return { ok: false, failure: 'wrong_issuer' };
    // A signature check costs tens to a hundred µs: a token verified against this provider's
    // current settings is remembered (keyed by itself, in process memory only) until it expires,
    // at most `verifiedTtlMs`.
    const remembered = this.verified.get(bearer);
    let payload: JWTPayload;
    if (
      remembered &&
      remembered.idpId === idp.id &&
      remembered.issuer === idp.issuer &&
      remembered.audience === idp.audience &&
      remembered.jwksUri === idp.jwksUri
    ) {
      if (remembered.payload.exp! * 1000 <= Date.now() - CLOCK_SKEW_SECONDS * 1000) {
        return { ok: false, failure: 'expired' };
      }
      payload = remembered.payload;
    } else {
      if (unverifiedIssuer(bearer) !== idp.issuer) return { ok: false, failure: 'wrong_issuer' };
      try {
        // An identity assertion grant is for our token endpoint, not a bearer credential.
        if (decodeProtectedHeader(bearer).typ?.toLowerCase() === ID_JAG_TYP)
          return { ok: false, failure: 'malformed' };
        ({ payload } = await jwtVerify(bearer, this.options.jwks.getKey(idp.jwksUri), {
          issuer: idp.issuer,
          audience: idp.audience,
          algorithms: EXTERNAL_JWT_ALGORITHMS,
          clockTolerance: CLOCK_SKEW_SECONDS,
          requiredClaims: ['exp'],
        }));
      } catch (err) {
        const failure = verifyFailure(err);
        if (failure === 'unavailable') {
          this.options.log.warn(
            { err: (err as Error).message, issuer: idp.issuer },
            'identity provider keys unavailable',
          );
        }
        return { ok: false, failure };
      }
      const ttl = Math.min(this.verifiedTtlMs, payload.exp! * 1000 - Date.now());
      const { id: idpId, issuer, audience, jwksUri } = idp;
      if (ttl > 0) this.verified.set(bearer, { payload, idpId, issuer, audience, jwksUri }, ttl);
    }
    let caller: IdpCaller;
    try {
      caller = await this.map(idp, context, payload);
    } catch (err) {
      this.options.log.error({ err: (err as Error).message }, 'identity provider user mapping failed');
      return { ok: false, failure: 'unavailable' };
    }
    if (!caller.user) return { ok: false, failure: caller.reason };
    return { ok: true, principal: memberPrincipal(context.tenantId, caller.user, 'idp_jwt') };
  }

  private map(idp: SnapshotIdentityProvider, context: AuthContext, claims: JWTPayload): Promise<IdpCaller> {
    // By subject, the email still decides the first link (and JIT), so it is part of the key too.
    const email =
      typeof claims.email === 'string' && claims.email_verified !== false && claims.email_verified !== 'false'
        ? claims.email.toLowerCase()
        : '';
    const who = idp.userClaim === 'email' ? email : `${String(claims.sub ?? '')}\u0000${email}`;
    const groups = idp.groupsClaim ? JSON.stringify(claims[idp.groupsClaim] ?? null) : '';
    // Everything the mapping reads from the token and the configuration is in the key.
    const key = [
      context.tenantId,
      idp.id,
      idp.userClaim,
      idp.groupsClaim ?? '',
      context.allowJitUsers ? 'jit' : '',
      who,
      groups,
    ].join('\u0000');
    const cached = this.mappings.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.loading.get(key);
    if (!pending) {
      pending = resolveIdpCaller(
        this.options.db.db,
        { id: idp.id, tenantId: context.tenantId, userClaim: idp.userClaim, groupsClaim: idp.groupsClaim },
        claims,
        {
          allowJit: context.allowJitUsers === true,
          ...(this.options.plans ? { plans: this.options.plans } : {}),
        },
      )
        .then((caller) => {
          // Nobody yet: asked again soon (an invitation may be accepted, a seat freed, any minute).
          this.mappings.set(key, caller, caller.user ? undefined : 5_000);
          return caller;
        })
        .finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }
}
