import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { MessageChannel } from 'node:worker_threads';
import { eventually, freePort } from '@toolgate/fixtures/test-kit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLinkedBus, portLink, serveBus } from './ipc.ts';
import { createLazyRedisBus } from './lazy-redis.ts';
import { createMemoryBus } from './memory.ts';
import {
  LocalFallbackRateLimiter,
  calendarMonth,
  monthlyQuota,
  type RateLimitBucket,
  type RateLimitDecision,
} from './rate-limits.ts';
import { createRedisBus } from './redis.ts';
import type { Bus } from './types.ts';

const redisUrl = inject('redisUrl');
const tag = () => randomBytes(4).toString('hex');

/** Two buses over the same state, as two proxy replicas see it. */
const implementations: { name: string; available: boolean; replicas: () => [Bus, Bus] }[] = [
  {
    name: 'in-process',
    available: true,
    replicas: () => {
      const namespace = `rl-${tag()}`;
      return [createMemoryBus({ namespace }), createMemoryBus({ namespace })];
    },
  },
  {
    name: 'linked to an in-process bus',
    available: true,
    replicas: () => {
      const namespace = `rl-${tag()}`;
      const linked = (): Bus => {
        const { port1, port2 } = new MessageChannel();
        const served = serveBus(createMemoryBus({ namespace }), portLink(port1));
        const bus = createLinkedBus(portLink(port2));
        return {
          ...bus,
          async close() {
            await bus.close();
            await served.close();
            port1.close();
          },
        };
      };
      return [linked(), linked()];
    },
  },
  {
    name: 'redis',
    available: Boolean(redisUrl),
    replicas: () => {
      const prefix = `tgtest:${tag()}`;
      return [createRedisBus({ url: redisUrl, prefix }), createRedisBus({ url: redisUrl, prefix })];
    },
  },
  {
    name: 'redis, loaded on first use',
    available: Boolean(redisUrl),
    replicas: () => {
      const prefix = `tgtest:${tag()}`;
      return [createLazyRedisBus({ url: redisUrl, prefix }), createRedisBus({ url: redisUrl, prefix })];
    },
  },
];

/** A moment 2 s into a 60 s window (windows are aligned to the epoch). */
const T0 = Date.UTC(2026, 5, 1, 12, 0, 2);
const allowed = (decisions: RateLimitDecision[]) => decisions.filter((d) => d.allowed).length;

describe.each(implementations)('rate limits: $name', ({ available, replicas }) => {
  const open: Bus[] = [];
  const pair = () => {
    const buses = replicas();
    open.push(...buses);
    return buses;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  it.skipIf(!available)('admits exactly the limit under concurrency from two replicas', async () => {
    const [a, b] = pair();
    const bucket = { key: `t:${tag()}`, limit: 25, windowSeconds: 60 };
    const decisions = await Promise.all(
      Array.from({ length: 80 }, (_, i) => (i % 2 ? a : b).rateLimits.check([bucket], 1, T0)),
    );
    expect(allowed(decisions)).toBe(25);
    const refused = decisions.find((d) => !d.allowed);
    expect(refused).toMatchObject({ allowed: false, key: bucket.key, limit: 25 });
    // A cost counts as that many calls.
    const heavy = { key: `t:${tag()}`, limit: 10, windowSeconds: 60 };
    expect(await a.rateLimits.check([heavy], 7, T0)).toEqual({ allowed: true });
    expect((await b.rateLimits.check([heavy], 4, T0)).allowed).toBe(false);
    expect(await b.rateLimits.check([heavy], 3, T0)).toEqual({ allowed: true });
  });

  it.skipIf(!available)(
    'consumes from every bucket or none: a refused token bucket leaves the tenant bucket untouched',
    async () => {
      const [a, b] = pair();
      const tenant = { key: `t:${tag()}`, limit: 10, windowSeconds: 60 };
      const token = { key: `k:${tag()}`, limit: 2, windowSeconds: 60 };
      const results = [];
      for (let i = 0; i < 6; i++)
        results.push(await (i % 2 ? a : b).rateLimits.check([tenant, token], 1, T0));
      expect(allowed(results)).toBe(2);
      expect(results[2]).toMatchObject({ allowed: false, key: token.key, limit: 2 });
      // Only the two admitted calls were taken from the tenant: eight remain.
      const rest = await Promise.all(Array.from({ length: 12 }, () => a.rateLimits.check([tenant], 1, T0)));
      expect(allowed(rest)).toBe(8);
      // The first bucket without room is the one named.
      expect(await b.rateLimits.check([tenant, token], 1, T0)).toMatchObject({ key: tenant.key });
      expect(await b.rateLimits.check([token, tenant], 1, T0)).toMatchObject({ key: token.key });
    },
  );

  it.skipIf(!available)(
    'says when to retry: refused until resetAt, admitted from it; the window slides on',
    async () => {
      const [a, b] = pair();
      const bucket = { key: `u:${tag()}`, limit: 4, windowSeconds: 60 };
      for (let i = 0; i < 4; i++) expect((await a.rateLimits.check([bucket], 1, T0)).allowed).toBe(true);
      const refused = await b.rateLimits.check([bucket], 1, T0);
      if (refused.allowed) throw new Error('the fifth call was admitted');
      // This window is full: the next one must begin and a quarter of it pass (60 × (1 + 1/4) − 2 s).
      expect(refused.resetAt).toBe(T0 - 2_000 + 75_000);
      expect(refused.retryAfterSeconds).toBe(73);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60 * (1 + 1 / 4));
      expect((await b.rateLimits.check([bucket], 1, refused.resetAt - 1)).allowed).toBe(false);
      expect((await b.rateLimits.check([bucket], 1, refused.resetAt)).allowed).toBe(true);
      // Steady state: one call per quarter window, as the limit allows.
      const again = await a.rateLimits.check([bucket], 1, refused.resetAt);
      expect(again).toMatchObject({ allowed: false, resetAt: refused.resetAt + 15_000 });
      // Two windows later nothing of this is counted any more.
      const later = T0 + 180_000;
      const fresh = await Promise.all(
        Array.from({ length: 6 }, () => b.rateLimits.check([bucket], 1, later)),
      );
      expect(allowed(fresh)).toBe(4);
    },
  );

  it.skipIf(!available)('counts a monthly quota until the UTC month ends, then afresh', async () => {
    const [a, b] = pair();
    const key = `m:${tag()}`;
    const lastSecondOfFebruary = Date.UTC(2027, 1, 28, 23, 59, 59);
    const feb = monthlyQuota(key, 5, lastSecondOfFebruary);
    expect(feb.windowSeconds).toBe(28 * 86_400);
    const early = Date.UTC(2027, 1, 1, 0, 0, 0);
    expect(await a.rateLimits.check([monthlyQuota(key, 5, early)], 3, early)).toEqual({ allowed: true });
    expect(await b.rateLimits.check([feb], 2, lastSecondOfFebruary)).toEqual({ allowed: true });
    expect(await b.rateLimits.check([feb], 1, lastSecondOfFebruary)).toEqual({
      allowed: false,
      key,
      limit: 5,
      retryAfterSeconds: 1,
      resetAt: Date.UTC(2027, 2, 1),
    });
    const march = Date.UTC(2027, 2, 1);
    const fresh = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        (i % 2 ? a : b).rateLimits.check([monthlyQuota(key, 5, march)], 1, march),
      ),
    );
    expect(allowed(fresh)).toBe(5);
    expect(calendarMonth(Date.UTC(2026, 11, 31, 23, 59, 59, 999))).toEqual({
      start: Date.UTC(2026, 11, 1),
      end: Date.UTC(2027, 0, 1),
    });
  });

  it.skipIf(!available)('refuses malformed buckets and costs with a RangeError', async () => {
    const [a] = pair();
    const ok: RateLimitBucket = { key: 'k', limit: 1, windowSeconds: 1 };
    await expect(a.rateLimits.check([ok], -1)).rejects.toThrow(/cost/);
    await expect(a.rateLimits.check([{ ...ok, limit: 1.5 }])).rejects.toThrow(/limit/);
    await expect(a.rateLimits.check([{ ...ok, key: '' }])).rejects.toThrow(/key/);
    await expect(a.rateLimits.check([{ ...ok, windowSeconds: 0 }])).rejects.toThrow(/window/);
    await expect(a.rateLimits.check([])).resolves.toEqual({ allowed: true });
  });
});

describe.skipIf(!redisUrl)('rate limits in Redis', () => {
  const probe = new Redis(redisUrl, { lazyConnect: true });
  afterAll(() => probe.disconnect());

  it('keeps each counter no longer than its window needs', async () => {
    const prefix = `tgtest:${tag()}`;
    const bus = createRedisBus({ url: redisUrl, prefix });
    try {
      const bucket = { key: 'short', limit: 3, windowSeconds: 1 };
      expect(await bus.rateLimits.check([bucket])).toEqual({ allowed: true });
      // Taken before the check: the lifetime it sets (ceil'd, hence + 1 ms) runs from a later now.
      const readFrom = Date.now();
      const quota = monthlyQuota('month', 3);
      expect(await bus.rateLimits.check([quota])).toEqual({ allowed: true });
      const keys = await probe.keys(`${prefix}:rl:*`);
      expect(keys).toHaveLength(2);
      const ttls = Object.fromEntries(
        await Promise.all(keys.map(async (k) => [k, await probe.pttl(k)] as const)),
      );
      const short = keys.find((k) => k.includes(':short:'))!;
      expect(ttls[short]).toBeGreaterThan(0);
      expect(ttls[short]).toBeLessThanOrEqual(3_000);
      const month = keys.find((k) => k.includes(':month:'))!;
      expect(ttls[month]).toBeGreaterThan(0);
      expect(ttls[month]).toBeLessThanOrEqual(calendarMonth().end - readFrom + 1_001);
      await eventually(async () => expect(await probe.exists(short)).toBe(0), 5_000);
    } finally {
      await bus.close();
    }
  });
});

/** A private redis-server this file may kill and restart (the shared one serves other tests). */
function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve(child);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
}

const kill = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

describe.skipIf(!redisUrl)('rate limits while Redis is down', () => {
  let port: number;
  let redis: ChildProcess | undefined;
  const open: Bus[] = [];
  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
  });
  afterAll(async () => {
    await Promise.all(open.map((b) => b.close()));
    if (redis) await kill(redis);
  });

  it('keeps answering fast with per-replica limits, says it is degraded, and returns to Redis', async () => {
    const prefix = `tgtest:${tag()}`;
    const url = `redis://127.0.0.1:${port}`;
    const buses = [createRedisBus({ url, prefix }), createRedisBus({ url, prefix })];
    open.push(...buses);
    const changes: boolean[] = [];
    const [a, b] = buses.map(
      (bus) =>
        new LocalFallbackRateLimiter(bus.rateLimits, {
          probeIntervalMs: 20,
          onDegradedChange: (degraded) => changes.push(degraded),
        }),
    ) as [LocalFallbackRateLimiter, LocalFallbackRateLimiter];
    const bucket = () => ({ key: `t:${tag()}`, limit: 3, windowSeconds: 60 });

    const shared = bucket();
    const before = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).check([shared])));
    expect(allowed(before)).toBe(3);
    expect(a.degraded || b.degraded).toBe(false);

    await kill(redis!);
    redis = undefined;
    // Once the clients have noticed (a command in flight at the kill waits for its timeout).
    await eventually(async () => {
      for (const bus of buses) await expect(bus.ping()).rejects.toThrow();
    });
    const down = bucket();
    const started = Date.now();
    const during = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).check([down])));
    expect(Date.now() - started).toBeLessThan(500);
    // Each replica enforces the limit on its own: two replicas, twice the limit.
    expect(allowed(during)).toBe(6);
    expect([a.degraded, b.degraded]).toEqual([true, true]);
    expect(changes).toEqual([true, true]);
    expect(a.localChecks).toBeGreaterThanOrEqual(8);

    redis = await startRedis(port);
    const after = bucket();
    await eventually(async () => {
      await Promise.all([a.check([after], 0), b.check([after], 0)]);
      expect([a.degraded, b.degraded]).toEqual([false, false]);
    });
    expect(changes).toEqual([true, true, false, false]);
    const back = bucket();
    const decisions = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).check([back])));
    expect(allowed(decisions)).toBe(3);
  });

  it('does not wait for a Redis it never reached longer than the command timeout', async () => {
    const bus = createRedisBus({ url: `redis://127.0.0.1:${await freePort()}`, commandTimeoutMs: 200 });
    open.push(bus);
    const limiter = new LocalFallbackRateLimiter(bus.rateLimits);
    const bucket = { key: `t:${tag()}`, limit: 2, windowSeconds: 60 };
    const started = Date.now();
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.check([bucket]));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(allowed(decisions)).toBe(2);
    expect(limiter.degraded).toBe(true);
  });
});
