/**
 * `node --import tsx bench/rate-limit.ts [redis-url]`: the CPU the rate limiter costs the calling
 * process per check (a measurement, not a test: it always exits 0). Issue 18 allows the limiter
 * ≤ 10 µs CPU per call on the proxy's hot path; this measures the limiter alone, client side
 * (ioredis encoding, the socket, reply parsing, key building), not the Redis server's own time.
 *
 * For 1, 3 and 4 buckets per call (tenant; tenant + token + user; the same + a fixed-period quota),
 * sequentially (one check in flight) and with 64 in flight (a busy proxy: ioredis pipelines
 * them into fewer writes), process CPU (user + system) per check minus that of the same loop
 * with a limiter that admits at once. Redis defaults to redis://127.0.0.1:6379.
 */
import { randomBytes } from 'node:crypto';
import { createMemoryRateLimiter, type RateLimitBucket, type RateLimiter } from '@toolgate/bus';
import { createRedisBus } from '@toolgate/bus/redis';

const CHECKS = 10_000;
const ROUNDS = 3;
const redisUrl = process.argv[2] ?? 'redis://127.0.0.1:6379';

const noop: RateLimiter = { check: () => Promise.resolve({ allowed: true }) };

/** Buckets far from their limits, so every check consumes (the common case). */
function buckets(count: number): RateLimitBucket[] {
  const t = randomBytes(4).toString('hex');
  const all: RateLimitBucket[] = [
    { key: `t:${t}:m`, limit: 1e9, windowSeconds: 60 },
    { key: `k:${t}:m`, limit: 1e9, windowSeconds: 60 },
    { key: `u:${t}:m`, limit: 1e9, windowSeconds: 60 },
    // A fixed period like a monthly quota's, short so the counters leave Redis soon.
    { key: `t:${t}:quota`, limit: 1e9, windowSeconds: 120, periodStartMs: Date.now() },
  ];
  return all.slice(0, count);
}

/** CPU µs per check over CHECKS checks, `inFlight` at a time. */
async function cpuPerCheck(limiter: RateLimiter, list: RateLimitBucket[], inFlight: number): Promise<number> {
  let next = 0;
  const lane = async () => {
    while (next++ < CHECKS) await limiter.check(list);
  };
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: inFlight }, lane));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / CHECKS;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function row(name: string, limiter: RateLimiter, count: number, inFlight: number) {
  const list = buckets(count);
  // Warm up: the script loaded into Redis, the JIT settled.
  await cpuPerCheck(limiter, list, inFlight);
  await cpuPerCheck(noop, list, inFlight);
  const on: number[] = [];
  const off: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    on.push(await cpuPerCheck(limiter, list, inFlight));
    off.push(await cpuPerCheck(noop, list, inFlight));
  }
  const [a, b] = [median(on), median(off)];
  console.log(
    `${name.padEnd(10)} ${String(count).padStart(7)} ${String(inFlight).padStart(9)} ` +
      `${a.toFixed(2).padStart(10)} ${b.toFixed(2).padStart(10)} ${(a - b).toFixed(2).padStart(10)}`,
  );
}

const bus = createRedisBus({ url: redisUrl, prefix: `tgbench:${randomBytes(4).toString('hex')}` });
try {
  await bus.ping();
  console.log('limiter    buckets in flight  µs CPU on     µs off   µs added');
  for (const count of [1, 3, 4]) {
    for (const inFlight of [1, 64]) await row('redis', bus.rateLimits, count, inFlight);
  }
  for (const count of [1, 4]) await row('memory', createMemoryRateLimiter(), count, 1);
} finally {
  await bus.close();
}
