import { CLOCK_SKEW_SECONDS, EXTERNAL_JWT_ALGORITHMS } from '@toolgate/auth/constants';
import type { JwksCache } from '@toolgate/auth/jwks-cache';
import { authorizationServerMetadata } from '@toolgate/auth/upstream-client';
import type { Logger } from '@toolgate/core/logger';
import { TtlLru } from '@toolgate/core/lru';
import type { SnapshotPassthrough } from '@toolgate/core/snapshot';
import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { Principal } from '../../mcp-call.ts';
import { isCompactJws, unverifiedIssuer, verifyFailure } from './jwt-util.ts';
import type { AuthFailure } from './principal.ts';

export interface PassthroughOptions {
  jwks: JwksCache;
  log: Logger;
  /** Toolgate's own issuer: its tokens are never accepted (nor forwarded) by a pass-through gateway. */
  ownIssuer: string;
  /** Let the authorization server's metadata and keys live at private addresses (tests, self-hosted). */
  allowPrivate: boolean;
  /** How long a verified token is trusted without checking its signature again (never past `exp`). Default 60 s. */
  verifiedTtlMs?: number;
}

/**
 * Why a token is refused, in words the caller can act on; `failure` is the audit reason. A
 * pass-through gateway is the audience of the tokens it takes (RFC 8707: the client asked the
 * server's authorization server for a token for the gateway's URL) and checks them before
 * forwarding anything: it never forwards a token it could not verify.
 */
export type PassthroughResult =
  { ok: true; principal: Principal } | { ok: false; failure: AuthFailure; why: string };

const API_TOKEN_PREFIX = 'tg_';

/**
 * Client authentication of a pass-through gateway (method `passthrough`): a JWT access token of the
 * fronted server's authorization server, signed with a key of its JWKS (found through its RFC 8414
 * metadata), `iss` that server, `aud` the gateway's URL, unexpired. The caller is that token's
 * subject (`subject:<sub>`), not a workspace member. Toolgate's own tokens (API tokens, Toolgate
 * OAuth tokens) are refused outright, so they can never reach the server; opaque tokens are refused
 * because they cannot be checked here.
 */
export class PassthroughAuthenticator {
  readonly method = 'passthrough' as const;
  private readonly keysUris = new TtlLru<string, Promise<string>>(1_000, 10 * 60_000);
  private readonly verified: TtlLru<string, { payload: JWTPayload; issuer: string; audience: string }>;
  private readonly verifiedTtlMs: number;

  constructor(private readonly options: PassthroughOptions) {
    this.verifiedTtlMs = options.verifiedTtlMs ?? 60_000;
    this.verified = new TtlLru(50_000, this.verifiedTtlMs);
  }

  async authenticate(
    bearer: string,
    context: { tenantId: string; resourceUrl: string; passthrough: SnapshotPassthrough },
  ): Promise<PassthroughResult> {
    const { issuer } = context.passthrough;
    const audience = context.resourceUrl;
    const remembered = this.verified.get(bearer);
    let payload: JWTPayload;
    if (remembered && remembered.issuer === issuer && remembered.audience === audience) {
      if (remembered.payload.exp! * 1000 <= Date.now() - CLOCK_SKEW_SECONDS * 1000)
        return { ok: false, failure: 'expired', why: 'the access token has expired' };
      payload = remembered.payload;
    } else {
      const refused = this.precheck(bearer, issuer);
      if (refused) return refused;
      try {
        const jwksUri = await this.keysUri(issuer);
        ({ payload } = await jwtVerify(bearer, this.options.jwks.getKey(jwksUri), {
          issuer,
          audience,
          algorithms: EXTERNAL_JWT_ALGORITHMS,
          clockTolerance: CLOCK_SKEW_SECONDS,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (err) {
        const failure = verifyFailure(err);
        if (failure === 'unavailable')
          this.options.log.warn(
            { err: (err as Error).message, issuer },
            'pass-through issuer keys unavailable',
          );
        return { ok: false, failure, why: WHY[failure] ?? 'the access token could not be verified' };
      }
      const ttl = Math.min(this.verifiedTtlMs, payload.exp! * 1000 - Date.now());
      if (ttl > 0) this.verified.set(bearer, { payload, issuer, audience }, ttl);
    }
    const sub = String(payload.sub).slice(0, 256);
    return {
      ok: true,
      principal: {
        id: `subject:${sub}`,
        tenantId: context.tenantId,
        authMethod: 'passthrough',
        userId: null,
        teamIds: [],
        orgWide: false,
      },
    };
  }

  /** Refusals that need no keys: Toolgate's own credentials, opaque tokens, other issuers. */
  private precheck(bearer: string, issuer: string): PassthroughResult | undefined {
    if (bearer.startsWith(API_TOKEN_PREFIX))
      return {
        ok: false,
        failure: 'method_not_allowed',
        why: 'Toolgate API tokens are not accepted here: the gateway forwards tokens to its server',
      };
    if (!isCompactJws(bearer))
      return {
        ok: false,
        failure: 'malformed',
        why: 'only JWT access tokens are accepted (the gateway verifies a token before forwarding it)',
      };
    const claimed = unverifiedIssuer(bearer);
    if (claimed === this.options.ownIssuer)
      return {
        ok: false,
        failure: 'method_not_allowed',
        why: "Toolgate's own access tokens are not accepted here: the gateway forwards tokens to its server",
      };
    if (claimed !== issuer)
      return { ok: false, failure: 'wrong_issuer', why: `the token is not from ${issuer}` };
    return undefined;
  }

  /** The issuer's `jwks_uri`, from its RFC 8414 / OpenID metadata (SSRF-guarded, cached 10 min). */
  private keysUri(issuer: string): Promise<string> {
    let pending = this.keysUris.get(issuer);
    if (!pending) {
      pending = authorizationServerMetadata(issuer, { allowPrivate: this.options.allowPrivate }).then(
        (server) => {
          const uri = server.metadata.jwks_uri;
          if (typeof uri !== 'string') throw new Error(`${issuer} publishes no jwks_uri`);
          return uri;
        },
      );
      // A failure is not remembered: the next request asks again.
      pending.catch(() => this.keysUris.delete(issuer));
      this.keysUris.set(issuer, pending);
    }
    // Metadata that cannot be had is like keys that cannot be had: the issuer's problem, not the caller's.
    return pending.catch((err: unknown) => {
      throw new errors.JWKSInvalid((err as Error).message);
    });
  }
}

const WHY: Partial<Record<AuthFailure, string>> = {
  expired: 'the access token has expired',
  wrong_issuer: 'the token is from another issuer',
  wrong_audience:
    "the token was issued for another resource: ask the authorization server for one for this gateway's URL",
  unknown: 'the token is not signed by a key of its issuer',
  malformed: 'the token is not a well-formed access token',
  unavailable: "the authorization server's keys could not be fetched; retry shortly",
};
