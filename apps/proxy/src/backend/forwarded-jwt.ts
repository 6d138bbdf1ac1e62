import type { KeyObject } from 'node:crypto';
import { signingKeyRevocationId } from '@toolgate/auth/constants';
import {
  FORWARDED_JWT_TTL_SECONDS,
  forwardedJwtClaims,
  forwardedJwtKey,
  signForwardedJwt,
  type ForwardedJwtClaims,
  type ForwardedJwtKey,
} from '@toolgate/auth/forwarded-jwt';
import { currentSigningKey } from '@toolgate/auth/signing-keys';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import { TtlLru } from '@toolgate/core/lru';
import type { Database } from '@toolgate/db/client';
import { UpstreamError, type UpstreamTarget } from '@toolgate/mcp/upstream';
import type { CryptoKey } from 'jose';
import type { Principal } from '../mcp-call.ts';

export { FORWARDED_JWT_TTL_SECONDS, type ForwardedJwtClaims };
/**
 * A cached token is reused while it has more than this left. At least the upstream call timeout
 * (60 s by default), so a call started with a token ends before the token does.
 */
export const FORWARDED_JWT_REUSE_MARGIN_SECONDS = 60;
/** While tokens are being minted, the current signing key is looked up again this often. */
const KEY_RECHECK_MS = 60_000;

interface Minted {
  token: string;
  kid: string;
  claims: ForwardedJwtClaims;
  /** The upstream target carrying this token (see `targetFor`). */
  target: UpstreamTarget;
}

export interface ForwardedJwtsOptions {
  /** Where the authorization server keeps its signing keys (unless `currentKey` is given). */
  db?: Database;
  /** TOOLGATE_SECRET_KEYS: the signing key's private JWK is sealed with it. */
  ring?: KeyRing;
  /** issuerFrom(PUBLIC_WEB_URL): the same `iss` as Toolgate's access tokens, and its JWKS. */
  issuer: string;
  log?: Logger;
  maxTokens?: number;
  now?: () => number;
  /** Where the current key comes from; default: currentSigningKey (the authorization server's). */
  currentKey?: (now: Date) => Promise<{ kid: string; privateKey: CryptoKey | KeyObject }>;
}

/**
 * Short-lived JWTs that Toolgate signs for the caller of a `jwt` ("Forwarded JWT") upstream, with
 * the authorization server's ES256 key, so the upstream verifies them against Toolgate's JWKS.
 *
 * Cheap on the hot path: one token per (caller, installation target) is kept and reused while it
 * has more than FORWARDED_JWT_REUSE_MARGIN_SECONDS left (a bounded LRU), so steady state signs
 * nothing. The key is read from Postgres once, then looked up again at most once a minute while
 * tokens are minted (a rotation retires the old key, which stays in the JWKS for 16 minutes, well
 * past the 5 minutes of any token it signed), and dropped at once when it is revoked (the same
 * `revoked` invalidation that makes the proxies refuse the access tokens it signed).
 *
 * Signing is synchronous (node:crypto, ES256 in JOSE's r‖s form), so targets can be built where
 * the callers are synchronous; only the first load of the key is asynchronous (`ready`).
 */
export class ForwardedJwts {
  private readonly tokens: TtlLru<string, Minted>;
  private key: ForwardedJwtKey | undefined;
  private loading: Promise<ForwardedJwtKey> | undefined;
  private checkedAt = 0;
  private readonly now: () => number;

  constructor(private readonly options: ForwardedJwtsOptions) {
    this.tokens = new TtlLru(options.maxTokens ?? 10_000, FORWARDED_JWT_TTL_SECONDS * 1000);
    this.now = options.now ?? Date.now;
  }

  /** Whether a token can be signed now, without waiting for the key. */
  get isReady(): boolean {
    return this.key !== undefined;
  }

  /** Loads the signing key if it is not loaded (the first jwt call after start, or after a revocation). */
  async ready(): Promise<void> {
    if (this.key === undefined) await this.load();
  }

  /**
   * `base` with the caller's token as its `Authorization` header, under a pool key of its own.
   *
   * Why the token goes into the target (and its key) rather than into per-call headers: the pool
   * sends a target's headers on every request of an upstream session — initialize, the GET
   * stream, re-initialization — while per-call headers reach only the calls. An upstream that
   * checks every request (as it should) would refuse the initialize of a session keyed per caller
   * with the token only on calls. So each token gets its own pooled session: sessions are never
   * shared between callers (an upstream may bind its session to `sub`), and when a token is
   * replaced (every ~4 minutes for an active caller) the next call opens a new session with it,
   * while the previous one is closed by the pool's idle timeout. Replacing the target of a live
   * session is not possible: its first target defines it (see UpstreamTarget.key).
   */
  targetFor(base: UpstreamTarget, audience: string, principal: Principal): UpstreamTarget {
    return this.mint(base, audience, principal).target;
  }

  /** The token for this caller and target: the cached one while it has time left, else a new one. */
  mint(base: UpstreamTarget, audience: string, principal: Principal): Minted {
    const nowMs = this.now();
    const key = this.currentKey(nowMs);
    const teams = principal.teamIds;
    const cacheKey = `${base.key}\u0000${audience}\u0000${principal.tenantId}\u0000${principal.id}\u0000${principal.userId ?? ''}\u0000${principal.email ?? ''}\u0000${teams.join(',')}\u0000${key.kid}`;
    // `peek`, not `get`: TtlLru.get re-inserts the entry on every hit, which costs V8 a rehash of
    // the whole map every few hits once it holds thousands of entries (~25 µs per hit measured
    // at 5,000+). Insertion order is recency enough here: a reused token is replaced (and so
    // re-inserted) at least every 4 minutes.
    const cached = this.tokens.peek(cacheKey, nowMs);
    if (cached && cached.claims.exp - nowMs / 1000 > FORWARDED_JWT_REUSE_MARGIN_SECONDS) return cached;
    // The user's id; a caller without a user (an org API token) is named by its principal id.
    const subject = {
      tenantId: principal.tenantId,
      sub: principal.userId ?? principal.id,
      ...(principal.email ? { email: principal.email } : {}),
      teamIds: teams,
    };
    const claims = forwardedJwtClaims(this.options.issuer, audience, subject, nowMs);
    const token = signForwardedJwt(claims, key);
    const minted: Minted = {
      token,
      kid: key.kid,
      claims,
      target: {
        ...base,
        key: `${base.key}~jwt:${claims.jti}`,
        headers: { ...base.headers, authorization: `Bearer ${token}` },
      },
    };
    this.tokens.set(cacheKey, minted, FORWARDED_JWT_TTL_SECONDS * 1000, nowMs);
    return minted;
  }

  /**
   * A `revoked` invalidation: when it names our signing key, the key and every token it signed
   * here are dropped, and the next call loads the current key.
   */
  revoke(revocationId: string): void {
    if (this.key === undefined || revocationId !== signingKeyRevocationId(this.key.kid)) return;
    const kid = this.key.kid;
    this.key = undefined;
    this.tokens.deleteWhere((minted) => minted.kid === kid);
  }

  private currentKey(nowMs: number): ForwardedJwtKey {
    const key = this.key;
    if (key === undefined) {
      void this.load().catch(() => undefined);
      throw new UpstreamError('connect', "Toolgate's signing key is being loaded; try again");
    }
    if (nowMs - this.checkedAt > KEY_RECHECK_MS) {
      this.checkedAt = nowMs;
      // In the background: the current key goes on signing until the lookup answers.
      void this.load().catch((err: unknown) => {
        this.options.log?.warn({ err: (err as Error).message }, 'could not look up the current signing key');
      });
    }
    return key;
  }

  private load(): Promise<ForwardedJwtKey> {
    this.loading ??= (async () => {
      try {
        const at = new Date(this.now());
        const { db, ring, currentKey } = this.options;
        if (!currentKey && (!db || !ring)) throw new Error('ForwardedJwts needs db and ring, or currentKey');
        const current = await (currentKey ? currentKey(at) : currentSigningKey(db!, ring!, at));
        const { kid, privateKey } = current;
        const loaded = this.key?.kid === kid ? this.key : forwardedJwtKey(kid, privateKey);
        this.key = loaded;
        this.checkedAt = this.now();
        return loaded;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}
