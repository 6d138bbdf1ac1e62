import {
  ALLOWED,
  bucketWindow,
  type RateLimitBucket,
  type RateLimitDecision,
  type RateLimiter,
} from './rate-limits.ts';

/**
 * Leases over a shared limiter (issue 18: "local pre-allocation from a shared budget"): when a
 * bucket has plenty of room, the shared limiter counts some units more than the call in the same
 * round trip and grants them to this process, which spends them on later calls of the same
 * window without asking Redis again.
 *
 * Bounds (never more than a limit; a bounded shortfall only for large limits):
 * - A leased unit is counted in Redis when granted, so all replicas together never admit more than
 *   a limit, exactly as without leases.
 * - A bucket grants 1/16 of the room left after the call, at most `lease` (64), and nothing when
 *   that is under 16 units: within 256 units of a limit every call asks Redis, so limits under
 *   about 256 per window are never leased and a limit of N admits exactly N across replicas, under
 *   any concurrency.
 * - One leasing request per bucket is in flight per process (the others ask without a lease), so a
 *   process holds at most one lease per bucket, spent before it asks again. Units still held when a
 *   window ends are lost: per window and bucket, up to `lease` units per replica may go unadmitted
 *   (a limit of 1,000 per minute on 3 replicas admits at least 1,000 − 192), never more than N.
 * - Tenants far from their limits, the common case, pay one Redis round trip per `lease` calls.
 */
export interface LeasingOptions {
  /** Most units one bucket grants per round trip. Default 64. */
  lease?: number;
}

interface Lease {
  remaining: number;
  /** When the window the units were counted in ends (unix ms). */
  until: number;
}

export class LeasingRateLimiter implements RateLimiter {
  readonly #shared: RateLimiter;
  readonly #lease: number;
  readonly #leases = new Map<string, Lease>();
  /** Buckets (lease keys) with a leasing request in flight. */
  readonly #asking = new Set<string>();
  #grants = 0;

  constructor(shared: RateLimiter, { lease = 64 }: LeasingOptions = {}) {
    this.#shared = shared;
    this.#lease = lease;
  }

  /** Calls answered from leases (a counter for tests and metrics). */
  localAdmissions = 0;

  check(buckets: readonly RateLimitBucket[], cost = 1, now = Date.now()): Promise<RateLimitDecision> {
    if (buckets.length > 0 && cost > 0 && this.#leases.size > 0 && this.#spend(buckets, cost, now)) {
      this.localAdmissions++;
      return Promise.resolve(ALLOWED);
    }
    const keys = buckets.map((b) => leaseKey(b, now));
    if (keys.some((k) => this.#asking.has(k))) return this.#shared.check(buckets, cost, now);
    for (const k of keys) this.#asking.add(k);
    return this.#shared.check(buckets, cost, now, this.#lease).then(
      (decision) => {
        for (const k of keys) this.#asking.delete(k);
        if (!decision.allowed || !decision.granted) return decision;
        this.#keep(buckets, keys, decision.granted, now);
        return ALLOWED;
      },
      (err: unknown) => {
        for (const k of keys) this.#asking.delete(k);
        throw err;
      },
    );
  }

  /** Takes `cost` from this process's lease of every bucket, or from none. */
  #spend(buckets: readonly RateLimitBucket[], cost: number, now: number): boolean {
    const leases: Lease[] = [];
    for (const b of buckets) {
      const lease = this.#leases.get(leaseKey(b, now));
      if (!lease || lease.remaining < cost || lease.until <= now) return false;
      leases.push(lease);
    }
    for (const lease of leases) lease.remaining -= cost;
    return true;
  }

  #keep(buckets: readonly RateLimitBucket[], keys: string[], granted: readonly number[], now: number): void {
    for (let i = 0; i < buckets.length; i++) {
      const units = granted[i] ?? 0;
      if (units <= 0) continue;
      const b = buckets[i]!;
      const key = keys[i]!;
      const lease = this.#leases.get(key);
      if (lease) lease.remaining += units;
      else {
        const w = bucketWindow(b, now);
        this.#leases.set(key, { remaining: units, until: w.start + w.windowMs });
      }
    }
    // Leases of ended windows are worth nothing: dropped now and then.
    if (++this.#grants % 256 === 0) {
      for (const [k, lease] of this.#leases) if (lease.until <= now) this.#leases.delete(k);
    }
  }
}

/** A bucket's lease is for one window (or period) of it: its counter's name. */
function leaseKey(b: RateLimitBucket, now: number): string {
  const windowMs = Math.round(b.windowSeconds * 1000);
  const window = b.periodStartMs !== undefined ? `p${b.periodStartMs}` : String(Math.floor(now / windowMs));
  return `${b.key}\u0000${b.limit}\u0000${windowMs}\u0000${window}`;
}
