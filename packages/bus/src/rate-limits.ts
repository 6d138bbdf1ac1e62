/**
 * Rate limits and quotas shared by every replica (issue 18): `check` consumes `cost` from every
 * listed bucket at once, or from none of them when any is out of room, and names the first
 * bucket that refused. On Redis it is one round trip (one Lua script, `redis-rate-limits.ts`);
 * in process it is the same arithmetic on a map.
 *
 * Algorithm — a sliding window approximated by two fixed-window counters (Cloudflare's
 * "sliding window counter"): a bucket of `limit` per `windowSeconds` keeps the count of the
 * current fixed window (aligned to the epoch) and of the previous one, and estimates the last
 * `windowSeconds` as `previous × (share of the previous window still inside the sliding window)
 * + current`. A call is admitted when that estimate plus `cost` stays within `limit`.
 * - Cost: two small counters per bucket (keys expire on their own after two windows), O(1) per
 *   check, whatever the limit. A sliding log (a sorted set of every call) would be exact but
 *   holds `limit` entries per bucket and costs O(log n) writes per call; GCRA / token buckets
 *   are one key but admit a burst of `limit` plus a refill, up to ~2×limit in one window, which
 *   is not what "N per minute" promises.
 * - Accuracy: exact whenever the previous window is empty (a first burst admits exactly
 *   `limit`); otherwise it assumes the previous window's calls were spread evenly, so over any
 *   window the admitted count can differ from `limit` by at most the unevenness of the previous
 *   window's calls (bounded by `limit`; Cloudflare measured 0.003% of requests wrongly admitted
 *   or refused on real traffic). It never admits more than `limit` within one fixed window, and a
 *   steady stream is held to `limit / windowSeconds`.
 * - Fixed periods (`periodStartMs`): quotas such as calls per calendar month count from the
 *   period's start and reset at its end, exactly (`monthlyQuota`, `calendarMonth`).
 *
 * `retryAfterSeconds` / `resetAt` say when the refused call (same cost) would first be admitted
 * if nobody else consumed meanwhile: for a sliding bucket within one window plus one call's
 * share of it (`windowSeconds × (1 + cost / limit)`), for a fixed period its end.
 *
 * Redis outage: the Redis bus fails commands fast (`commandTimeout`, no offline queue once
 * connected), and `LocalFallbackRateLimiter` answers from a per-process limiter with the same
 * limits while the shared one fails, probing it again now and then: with N replicas serving,
 * up to N × the limit is admitted during an outage, and calls admitted during it are not
 * counted in Redis afterwards. `degraded` (and `onDegradedChange`) tell the metrics.
 *
 * Cost (`node --import tsx bench/rate-limit.ts`, client-side CPU per check on a 2-core VM): with
 * many checks in flight, as on a busy proxy, 7–10 µs for 1–4 buckets (ioredis pipelines them);
 * one check alone ~41–47 µs, nearly all of it the round trip itself (a bare GET costs ~36 µs).
 * In process: ~1–1.5 µs.
 */

export interface RateLimitBucket {
  /** Names the counted subject, e.g. `t:<tenantId>:calls`; callers own the naming. */
  key: string;
  /** Calls (units of `cost`) admitted per window; 0 refuses everything. */
  limit: number;
  /** The sliding window's length, or the fixed period's length with `periodStartMs`. */
  windowSeconds: number;
  /**
   * A fixed period [periodStartMs, periodStartMs + windowSeconds) instead of a sliding window:
   * counts from the period's start and resets at its end (monthly quotas, `monthlyQuota`).
   */
  periodStartMs?: number;
}

export type RateLimitDecision =
  | {
      allowed: true;
      /**
       * Asked with a `lease`: per bucket (in the order given), units counted beyond `cost` for the
       * caller to spend on its own later in the same window (leasing-rate-limits.ts); absent: none.
       */
      granted?: readonly number[];
    }
  | {
      allowed: false;
      /** The first refusing bucket's key and limit, as given. */
      key: string;
      limit: number;
      /** Whole seconds until `resetAt`, at least 1 (HTTP `Retry-After`). */
      retryAfterSeconds: number;
      /** Unix ms when the same call would first be admitted, if nobody else consumed meanwhile. */
      resetAt: number;
    };

export interface RateLimiter {
  /**
   * Consumes `cost` from every bucket if every bucket has room for it, else from none and names
   * the first bucket (in the order given) without room. `now` (unix ms) is for tests and must
   * follow the real clock in production. Throws `RangeError` on a malformed bucket or cost.
   */
  check(
    buckets: readonly RateLimitBucket[],
    cost?: number,
    now?: number,
    /**
     * When admitted, also count up to this many more units per bucket, where the bucket has room to
     * spare (1/16 of what is left, none within 256 units of the limit), and report them as
     * `granted`. Implementations that do not lease ignore it.
     */
    lease?: number,
  ): Promise<RateLimitDecision>;
}

export const ALLOWED: RateLimitDecision = Object.freeze({ allowed: true });

/** The UTC calendar month containing `now`: [start, end) in unix ms. */
export function calendarMonth(now = Date.now()): { start: number; end: number } {
  const d = new Date(now);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return { start, end };
}

/** A quota of `limit` per UTC calendar month, resetting at the next month's first instant. */
export function monthlyQuota(key: string, limit: number, now = Date.now()): RateLimitBucket {
  const { start, end } = calendarMonth(now);
  return { key, limit, windowSeconds: (end - start) / 1000, periodStartMs: start };
}

/** Kept after a counter's last use, so a window read at its very end still finds it. */
const EXPIRY_SLACK_MS = 1_000;

/**
 * What both implementations need to check one bucket at `now`: its counters' keys (a fixed
 * period has one, given twice so the Redis script's layout stays uniform), the window, how much
 * of the current window is left (0 for fixed periods, so the previous counter weighs nothing),
 * and how long a counter written now must live.
 */
export interface BucketWindow {
  current: string;
  previous: string;
  windowMs: number;
  leftMs: number;
  start: number;
  ttlMs: number;
}

export function bucketWindow(bucket: RateLimitBucket, now: number): BucketWindow {
  const windowMs = Math.round(bucket.windowSeconds * 1000);
  const base = `${bucket.key}:${windowMs}`;
  if (bucket.periodStartMs !== undefined) {
    const current = `${base}:p${bucket.periodStartMs}`;
    const end = bucket.periodStartMs + windowMs;
    return {
      current,
      previous: current,
      windowMs,
      leftMs: 0,
      start: bucket.periodStartMs,
      ttlMs: Math.ceil(Math.max(end - now, 0) + EXPIRY_SLACK_MS),
    };
  }
  const index = Math.floor(now / windowMs);
  const start = index * windowMs;
  return {
    current: `${base}:${index}`,
    previous: `${base}:${index - 1}`,
    windowMs,
    leftMs: start + windowMs - now,
    start,
    // The current counter serves as the previous one through the next window.
    ttlMs: Math.ceil(start + 2 * windowMs - now + EXPIRY_SLACK_MS),
  };
}

/**
 * Whether `cost` more fits: previous × left/window + current + cost ≤ limit, multiplied out by the
 * window so it is exact integer arithmetic for realistic limits (the Lua script is the same).
 */
export const fits = (limit: number, w: BucketWindow, current: number, previous: number, cost: number) =>
  previous * w.leftMs + (current + cost) * w.windowMs <= limit * w.windowMs;

/** The refusal of `bucket`, whose counters held `current` and `previous` at `now`. */
export function refusal(
  bucket: RateLimitBucket,
  w: BucketWindow,
  current: number,
  previous: number,
  cost: number,
  now: number,
): RateLimitDecision {
  let resetAt: number;
  const room = bucket.limit - cost - current;
  if (bucket.periodStartMs !== undefined || cost > bucket.limit) {
    // A fixed period, or a call bigger than the limit: nothing changes before the window ends.
    resetAt = w.start + w.windowMs;
  } else if (room >= 0) {
    // The previous window's share must shrink to `room`: previous × left ≤ room × window.
    resetAt = w.start + w.windowMs - Math.floor((room * w.windowMs) / previous);
  } else {
    // This window alone is full: in the next one it is the previous window whose share shrinks.
    resetAt = w.start + 2 * w.windowMs - Math.floor(((bucket.limit - cost) * w.windowMs) / current);
  }
  resetAt = Math.max(resetAt, now + 1);
  return {
    allowed: false,
    key: bucket.key,
    limit: bucket.limit,
    retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
    resetAt,
  };
}

export function validate(buckets: readonly RateLimitBucket[], cost: number, now: number): void {
  if (!Number.isSafeInteger(cost) || cost < 0)
    throw new RangeError(`rate limit cost must be a whole number ≥ 0, got ${cost}`);
  if (!Number.isFinite(now)) throw new RangeError(`rate limit clock must be finite, got ${now}`);
  for (const b of buckets) {
    if (typeof b.key !== 'string' || b.key === '')
      throw new RangeError('rate limit key must be a non-empty string');
    if (!Number.isSafeInteger(b.limit) || b.limit < 0) {
      throw new RangeError(`rate limit ${b.key}: limit must be a whole number ≥ 0, got ${b.limit}`);
    }
    if (!(b.windowSeconds >= 0.001) || !Number.isFinite(b.windowSeconds)) {
      throw new RangeError(`rate limit ${b.key}: window must be at least 1 ms, got ${b.windowSeconds} s`);
    }
    if (b.periodStartMs !== undefined && !Number.isSafeInteger(b.periodStartMs)) {
      throw new RangeError(`rate limit ${b.key}: period start must be unix ms, got ${b.periodStartMs}`);
    }
  }
}

interface Counter {
  count: number;
  expiresAt: number;
}

/**
 * The limiter over `counters`: the in-process bus passes its hub's map (every bus of the process
 * shares it), `LocalFallbackRateLimiter` a map of its own. Synchronous, so atomic in one process.
 */
export function createMemoryRateLimiter(counters: Map<string, Counter> = new Map()): RateLimiter {
  let writes = 0;
  const read = (key: string, now: number) => {
    const c = counters.get(key);
    return c && c.expiresAt > now ? c.count : 0;
  };
  const checkNow = (buckets: readonly RateLimitBucket[], cost: number, now: number): RateLimitDecision => {
    validate(buckets, cost, now);
    const windows = buckets.map((b) => bucketWindow(b, now));
    for (let i = 0; i < buckets.length; i++) {
      const w = windows[i]!;
      const current = read(w.current, now);
      const previous = w.leftMs === 0 ? 0 : read(w.previous, now);
      if (!fits(buckets[i]!.limit, w, current, previous, cost)) {
        return refusal(buckets[i]!, w, current, previous, cost, now);
      }
    }
    if (cost === 0) return ALLOWED;
    if (++writes % 1024 === 0) {
      for (const [k, c] of counters) if (c.expiresAt <= now) counters.delete(k);
    }
    for (const w of windows) {
      counters.set(w.current, { count: read(w.current, now) + cost, expiresAt: now + w.ttlMs });
    }
    return ALLOWED;
  };
  return {
    check(buckets, cost = 1, now = Date.now()) {
      try {
        return Promise.resolve(checkNow(buckets, cost, now));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
  };
}

export interface LocalFallbackOptions {
  /** While degraded, one call tries the shared limiter again at most this often. Default 1 s. */
  probeIntervalMs?: number;
  /** Told when the limiter starts (with the error) and stops answering from process memory. */
  onDegradedChange?: (degraded: boolean, error?: unknown) => void;
}

/**
 * The shared limiter, or, while it fails (Redis down or unreachable), the same limits counted in
 * this process: calls keep being served, each replica admitting up to the full limit.
 */
export class LocalFallbackRateLimiter implements RateLimiter {
  readonly #shared: RateLimiter;
  readonly #local = createMemoryRateLimiter();
  readonly #probeIntervalMs: number;
  readonly #onDegradedChange?: (degraded: boolean, error?: unknown) => void;
  #degraded = false;
  #probing = false;
  #nextProbeAt = 0;
  #localChecks = 0;

  constructor(shared: RateLimiter, { probeIntervalMs = 1_000, onDegradedChange }: LocalFallbackOptions = {}) {
    this.#shared = shared;
    this.#probeIntervalMs = probeIntervalMs;
    this.#onDegradedChange = onDegradedChange;
  }

  /** Whether checks are answered from process memory (per-replica limits) right now. */
  get degraded(): boolean {
    return this.#degraded;
  }

  /** Checks answered from process memory since start (a counter for metrics). */
  get localChecks(): number {
    return this.#localChecks;
  }

  async check(buckets: readonly RateLimitBucket[], cost = 1, now?: number): Promise<RateLimitDecision> {
    if (this.#degraded && (this.#probing || Date.now() < this.#nextProbeAt)) {
      return this.#checkLocally(buckets, cost, now);
    }
    const probe = this.#degraded;
    if (probe) this.#probing = true;
    try {
      const decision = await this.#shared.check(buckets, cost, now);
      if (this.#degraded) {
        this.#degraded = false;
        this.#onDegradedChange?.(false);
      }
      return decision;
    } catch (err) {
      if (err instanceof RangeError) throw err;
      this.#nextProbeAt = Date.now() + this.#probeIntervalMs;
      if (!this.#degraded) {
        this.#degraded = true;
        this.#onDegradedChange?.(true, err);
      }
      return this.#checkLocally(buckets, cost, now);
    } finally {
      if (probe) this.#probing = false;
    }
  }

  #checkLocally(buckets: readonly RateLimitBucket[], cost: number, now: number | undefined) {
    this.#localChecks++;
    return this.#local.check(buckets, cost, now);
  }
}
