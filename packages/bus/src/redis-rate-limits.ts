import type { Redis } from 'ioredis';
import {
  ALLOWED,
  bucketWindow,
  refusal,
  validate,
  type RateLimitBucket,
  type RateLimitDecision,
  type RateLimiter,
} from './rate-limits.ts';

/**
 * The check of rate-limits.ts in one script, so reading every bucket and consuming from all of
 * them is one atomic round trip (EVALSHA; ioredis falls back to EVAL after a Redis restart).
 * KEYS: per bucket its current and previous counters. ARGV[1]: the numbers, comma-separated (one
 * argument: ioredis's cost grows with the argument count): cost, then per bucket limit, window
 * ms, ms left in the current window (0: a fixed period), expiry ms of the current counter.
 * Returns 0 when admitted, else {bucket number (1-based), current count, previous count}.
 */
const CHECK = `
local a = {}
for v in string.gmatch(ARGV[1], '[^,]+') do a[#a + 1] = tonumber(v) end
local cost = a[1]
local values = redis.call('MGET', unpack(KEYS))
local n = #KEYS / 2
for i = 1, n do
  local b = 2 + (i - 1) * 4
  local window = a[b + 1]
  local current = tonumber(values[2 * i - 1] or '0')
  local previous = tonumber(values[2 * i] or '0')
  if previous * a[b + 2] + (current + cost) * window > a[b] * window then
    return {i, current, previous}
  end
end
if cost > 0 then
  for i = 1, n do
    local k = KEYS[2 * i - 1]
    if redis.call('INCRBY', k, cost) == cost then redis.call('PEXPIRE', k, a[2 + (i - 1) * 4 + 3]) end
  end
end
return 0`;

type CheckReply = 0 | [number, number, number];
type WithCheck = Redis & {
  tgRateLimit(...args: (string | number)[]): Promise<CheckReply>;
};

/** The shared limiter on `client` (the bus's fast-failing command connection), keys under `key`. */
export function createRedisRateLimiter(client: Redis, key: (k: string) => string): RateLimiter {
  client.defineCommand('tgRateLimit', { lua: CHECK });
  const redis = client as WithCheck;
  return {
    async check(buckets: readonly RateLimitBucket[], cost = 1, now = Date.now()): Promise<RateLimitDecision> {
      validate(buckets, cost, now);
      if (buckets.length === 0) return ALLOWED;
      const windows = buckets.map((b) => bucketWindow(b, now));
      const args: (string | number)[] = [buckets.length * 2];
      for (const w of windows) args.push(key(`rl:${w.current}`), key(`rl:${w.previous}`));
      let numbers = String(cost);
      for (let i = 0; i < buckets.length; i++) {
        const w = windows[i]!;
        numbers += `,${buckets[i]!.limit},${w.windowMs},${w.leftMs},${w.ttlMs}`;
      }
      args.push(numbers);
      const reply = await redis.tgRateLimit(...args);
      if (reply === 0) return ALLOWED;
      const [index, current, previous] = reply;
      return refusal(buckets[index - 1]!, windows[index - 1]!, current, previous, cost, now);
    },
  };
}
