import type { Redis } from 'ioredis';
import {
  ALLOWED,
  bucketWindow,
  type BucketWindow,
  refusal,
  validate,
  type RateLimitBucket,
  type RateLimitDecision,
  type RateLimiter,
} from './rate-limits.ts';

/**
 * The checks of rate-limits.ts in one script, so reading every bucket and consuming from all of
 * them is atomic: EVALSHA (ioredis falls back to EVAL after a Redis restart). Checks made at about
 * the same moment go in one call (see `createRedisRateLimiter`), applied in order, each all or
 * nothing on its own, so each sees the ones before it exactly as if it had been sent alone.
 * KEYS: per check, per bucket its current and previous counters. ARGV: the number of checks, then
 * per check its bucket count and its numbers, comma-separated (few arguments: ioredis's cost grows
 * with their count): cost, lease (0: none), then per bucket limit, window ms, ms left in the current
 * window (0: a fixed period), expiry ms of the current counter.
 * Returns per check 0 when admitted; {0, granted per bucket…} when admitted with a lease granted
 * (a bucket grants 1/16 of the room left after this check, none when that is under 16 units,
 * so none within 256 units of its limit); else {bucket number (1-based), current count,
 * previous count}.
 */
const CHECK = `
local results = {}
local offset = 0
local arg = 2
for c = 1, tonumber(ARGV[1]) do
  local n = tonumber(ARGV[arg])
  local a = {}
  for v in string.gmatch(ARGV[arg + 1], '[^,]+') do a[#a + 1] = tonumber(v) end
  arg = arg + 2
  local cost = a[1]
  local lease = a[2]
  local keys = {}
  for i = 1, 2 * n do keys[i] = KEYS[offset + i] end
  local values = redis.call('MGET', unpack(keys))
  local refused = 0
  local grants = {0}
  local leased = false
  for i = 1, n do
    local b = 3 + (i - 1) * 4
    local window = a[b + 1]
    local current = tonumber(values[2 * i - 1] or '0')
    local previous = tonumber(values[2 * i] or '0')
    local spare = a[b] * window - previous * a[b + 2] - (current + cost) * window
    if spare < 0 then
      refused = {i, current, previous}
      break
    end
    local grant = 0
    if lease > 0 then
      grant = math.floor(spare / window / 16)
      if grant < 16 then grant = 0 end
      grant = math.min(lease, grant)
    end
    if grant > 0 then leased = true end
    grants[i + 1] = grant
  end
  if refused == 0 and cost > 0 then
    for i = 1, n do
      local k = keys[2 * i - 1]
      local add = cost + grants[i + 1]
      if redis.call('INCRBY', k, add) == add then redis.call('PEXPIRE', k, a[3 + (i - 1) * 4 + 3]) end
    end
  end
  if refused == 0 and leased then refused = grants end
  results[c] = refused
  offset = offset + 2 * n
end
return results`;

/** Per check: 0 (admitted), {0, grants…} (admitted with leases), or {bucket, current, previous} (refused). */
type CheckReply = (0 | number[])[];
type WithCheck = Redis & {
  tgRateLimits(...args: (string | number)[]): Promise<CheckReply>;
};

/** Checks sent in one call at most; more wait for the next. */
const MAX_BATCH = 128;

interface Pending {
  keys: string[];
  numbers: string;
  buckets: readonly RateLimitBucket[];
  windows: BucketWindow[];
  cost: number;
  now: number;
  resolve: (decision: RateLimitDecision) => void;
  reject: (err: unknown) => void;
}

/**
 * The shared limiter on `client` (the bus's fast-failing command connection), keys under `key`.
 * Checks are gathered until the event loop's next turn (setImmediate: every request read in this
 * turn has reached its check by then) and sent as one script: at 64 calls in flight one command
 * serves many calls, which is what keeps the limiter's cost per call small (bench/README.md,
 * "Call limits"); a lone check waits for nothing but that turn.
 */
export function createRedisRateLimiter(client: Redis, key: (k: string) => string): RateLimiter {
  client.defineCommand('tgRateLimits', { lua: CHECK });
  const redis = client as WithCheck;
  let queue: Pending[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    const batch = queue.length > MAX_BATCH ? queue.splice(0, MAX_BATCH) : queue;
    if (batch === queue) queue = [];
    if (queue.length > 0) schedule();
    let keyCount = 0;
    for (const p of batch) keyCount += p.keys.length;
    const args: (string | number)[] = [keyCount];
    for (const p of batch) for (const k of p.keys) args.push(k);
    args.push(batch.length);
    for (const p of batch) args.push(p.buckets.length, p.numbers);
    redis.tgRateLimits(...args).then(
      (replies) => {
        for (let i = 0; i < batch.length; i++) {
          const p = batch[i]!;
          const reply = replies[i];
          if (reply === 0) p.resolve(ALLOWED);
          else if (reply === undefined)
            p.reject(new Error('rate limit script answered fewer checks than asked'));
          else if (reply[0] === 0) p.resolve({ allowed: true, granted: reply.slice(1) });
          else {
            const [index, current, previous] = reply as [number, number, number];
            p.resolve(
              refusal(p.buckets[index - 1]!, p.windows[index - 1]!, current, previous, p.cost, p.now),
            );
          }
        }
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };

  return {
    // async: a malformed bucket is a rejected promise, as everywhere else, not a throw.
    async check(
      buckets: readonly RateLimitBucket[],
      cost = 1,
      now = Date.now(),
      lease = 0,
    ): Promise<RateLimitDecision> {
      validate(buckets, cost, now);
      if (buckets.length === 0) return ALLOWED;
      const windows = buckets.map((b) => bucketWindow(b, now));
      const keys: string[] = [];
      for (const w of windows) keys.push(key(`rl:${w.current}`), key(`rl:${w.previous}`));
      let numbers = `${cost},${Number.isSafeInteger(lease) && lease > 0 ? lease : 0}`;
      for (let i = 0; i < buckets.length; i++) {
        const w = windows[i]!;
        numbers += `,${buckets[i]!.limit},${w.windowMs},${w.leftMs},${w.ttlMs}`;
      }
      return new Promise((resolve, reject) => {
        queue.push({ keys, numbers, buckets, windows, cost, now, resolve, reject });
        schedule();
      });
    },
  };
}
