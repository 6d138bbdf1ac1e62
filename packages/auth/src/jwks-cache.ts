import { guardedGet } from '@toolgate/net/guarded-get';
import { createSsrfGuard, type SsrfGuard } from '@toolgate/net/ssrf-guard';
import {
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
} from 'jose';

export interface KeySetOptions {
  /** A key id nobody knows triggers at most one reload per this long. Default 30 s. */
  minRefreshMs?: number;
  /** A good set is reloaded after this long even when every kid is known. Default 10 min. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * A JSON Web Key Set kept in memory and reloaded only when needed: when it is older than `ttlMs`,
 * or when a token names a key id it lacks (key rotation) — never per verification. Concurrent
 * reloads share one load; a failed load is not remembered (the next need tries again, no sooner
 * than `minRefreshMs` after the last attempt while a good set is held) and the last good set keeps
 * serving.
 */
export class CachedKeySet {
  private set: ReturnType<typeof createLocalJWKSet> | undefined;
  private loadedAt = 0;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private readonly minRefreshMs: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** A `jose` key resolver over this set: hand it to `jwtVerify`. */
  readonly getKey: JWTVerifyGetKey;

  constructor(
    private readonly load: () => Promise<JSONWebKeySet>,
    options: KeySetOptions = {},
  ) {
    this.minRefreshMs = options.minRefreshMs ?? 30_000;
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.now = options.now ?? Date.now;
    this.getKey = (header, token) => this.resolve(header, token);
  }

  /** Reloads now (coalesced with a reload under way); throws when it fails. */
  refresh(): Promise<void> {
    this.inflight ??= (async () => {
      this.attemptedAt = this.now();
      try {
        const jwks = await this.load();
        this.set = createLocalJWKSet(jwks);
        this.loadedAt = this.now();
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  private mayRefresh(): boolean {
    return this.now() - this.attemptedAt >= this.minRefreshMs;
  }

  private async resolve(header: JWSHeaderParameters, token: FlattenedJWSInput) {
    if (!this.set) {
      await (this.inflight ?? this.refresh());
    } else if (this.now() - this.loadedAt > this.ttlMs && this.mayRefresh()) {
      // Stale but usable: a failed reload keeps the old keys.
      await this.refresh().catch(() => {});
    }
    const tried = this.set!;
    try {
      return await tried(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      // A reload under way, or one that finished since, may know the key; else reload if allowed.
      if (this.inflight) await this.inflight.catch(() => {});
      else if (this.set === tried) {
        if (!this.mayRefresh()) throw err;
        await this.refresh().catch(() => {});
      }
    }
    return this.set!(header, token);
  }
}

export interface JwksCacheOptions extends KeySetOptions {
  /** Allow JWKS URLs on private addresses (TOOLGATE_ALLOW_PRIVATE_UPSTREAMS). */
  allowPrivate: boolean;
  /** Per fetch. Default 5 s. */
  timeoutMs?: number;
  /** Larger documents are refused. Default 64 KiB. */
  maxBytes?: number;
  /** Tests inject a guard with their own resolver. */
  guard?: SsrfGuard;
  /** Distinct JWKS URLs remembered (one per identity provider). Default 1 000. */
  maxEntries?: number;
}

/**
 * External identity providers' key sets by JWKS URL, fetched through the SSRF guard (checked again
 * at connect time, no redirects, bounded in size and time). See `CachedKeySet` for when a set is
 * reloaded.
 */
export class JwksCache {
  private readonly sets = new Map<string, CachedKeySet>();
  private readonly guard: SsrfGuard;
  private readonly maxEntries: number;

  constructor(private readonly options: JwksCacheOptions) {
    this.guard = options.guard ?? createSsrfGuard({ allowPrivate: options.allowPrivate });
    this.maxEntries = options.maxEntries ?? 1_000;
  }

  /** The key resolver for one JWKS URL; the same resolver (and cached set) every time. */
  getKey(jwksUri: string): JWTVerifyGetKey {
    let set = this.sets.get(jwksUri);
    if (!set) {
      set = new CachedKeySet(() => this.fetch(jwksUri), this.options);
      this.sets.set(jwksUri, set);
      if (this.sets.size > this.maxEntries) this.sets.delete(this.sets.keys().next().value!);
    }
    return set.getKey;
  }

  private async fetch(jwksUri: string): Promise<JSONWebKeySet> {
    const { status, body } = await guardedGet(new URL(jwksUri), {
      allowPrivate: this.options.allowPrivate,
      guard: this.guard,
      timeoutMs: this.options.timeoutMs ?? 5_000,
      maxBytes: this.options.maxBytes ?? 64 * 1024,
      headers: { accept: 'application/jwk-set+json, application/json' },
    });
    // Redirects are not followed: a JWKS URL must name the document itself.
    if (status !== 200) throw new errors.JWKSInvalid(`${jwksUri} answered HTTP ${status}`);
    let jwks: unknown;
    try {
      jwks = JSON.parse(body);
    } catch {
      throw new errors.JWKSInvalid(`${jwksUri} did not answer JSON`);
    }
    const keys = (jwks as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) throw new errors.JWKSInvalid(`${jwksUri} did not answer a JSON Web Key Set`);
    return { keys: keys as JSONWebKeySet['keys'] };
  }
}
