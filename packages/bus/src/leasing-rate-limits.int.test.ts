import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { LeasingRateLimiter } from './leasing-rate-limits.ts';
import type { RateLimitBucket, RateLimiter } from './rate-limits.ts';
import { createRedisBus } from './redis.ts';
import type { Bus } from './types.ts';

const redisUrl = inject('redisUrl');

/** Counts the round trips a leasing limiter makes to the shared one. */
function counted(shared: RateLimiter): { limiter: RateLimiter; trips: () => number } {
  let trips = 0;
  return {
    limiter: { check: (...args) => (trips++, shared.check(...args)) },
    trips: () => trips,
  };
}

describe.skipIf(!redisUrl)('leases over the Redis limiter', () => {
  const buses: Bus[] = [];
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
  });
  /** Two replicas: each its own bus (connection) and its own leases, one Redis namespace. */
  const replicas = () => {
    const prefix = `tgtest:${randomBytes(4).toString('hex')}`;
    const pair = [createRedisBus({ url: redisUrl, prefix }), createRedisBus({ url: redisUrl, prefix })];
    buses.push(...pair);
    return pair.map((bus) => {
      const c = counted(bus.rateLimits);
      return { limiter: new LeasingRateLimiter(c.limiter), trips: c.trips };
    });
  };
  // Two seconds into a minute, so a run never crosses a window.
  const now = Date.UTC(2030, 0, 1, 12, 0, 2);
  const bucket = (limit: number): RateLimitBucket => ({ key: 'k', limit, windowSeconds: 60 });

  it('leases nothing near a limit: a limit of 30 admits exactly 30 of 60 racing checks across replicas', async () => {
    const [a, b] = replicas() as [ReturnType<typeof replicas>[number], ReturnType<typeof replicas>[number]];
    const decisions = await Promise.all(
      Array.from({ length: 60 }, (_, n) => (n % 2 ? a : b).limiter.check([bucket(30)], 1, now)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(30);
  });

  it('spends leases far from a limit: few round trips, never more than the limit, and all of it in the end', async () => {
    const [a, b] = replicas() as [ReturnType<typeof replicas>[number], ReturnType<typeof replicas>[number]];
    const limit = 2_000;
    const buckets = [bucket(limit), { key: 'big', limit: 1e9, windowSeconds: 60 }];
    // A racing burst on both replicas, larger than the limit.
    const burst = await Promise.all(
      Array.from({ length: 2_400 }, (_, n) => (n % 2 ? a : b).limiter.check(buckets, 1, now)),
    );
    let admitted = burst.filter((d) => d.allowed).length;
    expect(admitted).toBeLessThanOrEqual(limit);
    // Short only by what each replica still holds: one lease of at most 64.
    expect(admitted).toBeGreaterThanOrEqual(limit - 2 * 64);
    // The rest of the window spends those leases: exactly the limit in all.
    for (let n = 0; n < 200; n++)
      if ((await (n % 2 ? a : b).limiter.check(buckets, 1, now)).allowed) admitted++;
    expect(admitted).toBe(limit);
    // Far from the limit one round trip served many calls.
    const sequential = replicas()[0]!;
    for (let n = 0; n < 1_000; n++) await sequential.limiter.check([bucket(100_000)], 1, now);
    expect(sequential.trips()).toBeLessThanOrEqual(1_000 / 16);
  });

  it('keeps a lease to its window: the next minute asks Redis again and counts afresh', async () => {
    const [a] = replicas() as [ReturnType<typeof replicas>[number]];
    for (let n = 0; n < 100; n++) expect((await a.limiter.check([bucket(1_000)], 1, now)).allowed).toBe(true);
    const before = a.trips();
    expect((await a.limiter.check([bucket(1_000)], 1, now + 60_000)).allowed).toBe(true);
    expect(a.trips()).toBe(before + 1);
  });
});
