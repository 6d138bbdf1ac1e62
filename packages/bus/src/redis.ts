import { Queue, Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { readInvalidation } from './invalidate.ts';
import { createRedisRateLimiter } from './redis-rate-limits.ts';
import {
  RevocationsNotLoadedError,
  USAGE_MAX_ATTEMPTS,
  windowStart,
  type Bus,
  type InvalidationMessage,
  type SessionChannel,
  type UsageBatch,
  type UsageConsumer,
} from './types.ts';

export interface RedisBusOptions {
  url: string;
  /** Key prefix; tests use a random one per run. */
  prefix?: string;
  /** Bound on a cache command so a dead Redis degrades to the in-process cache quickly. */
  commandTimeoutMs?: number;
}

const USAGE_QUEUE = 'usage';

/** HSET only when higher: versions from relays racing each other never go backwards. */
const RAISE_VERSION = `
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > current then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1`;

export function createRedisBus({ url, prefix = 'tg', commandTimeoutMs = 1_000 }: RedisBusOptions): Bus {
  const base: RedisOptions = { lazyConnect: false, enableAutoPipelining: true };
  // Commands fail fast instead of queueing while Redis is away; callers have fallbacks.
  const client = new Redis(url, { ...base, commandTimeout: commandTimeoutMs, maxRetriesPerRequest: 1 });
  // Until the first connection, commands wait (bounded by the timeout) so start-up is smooth;
  // after it, a lost Redis fails commands at once and callers fall back to local state.
  client.once('ready', () => {
    client.options.enableOfflineQueue = false;
  });
  const subscriber = new Redis(url, { ...base, maxRetriesPerRequest: null });
  // The usage queue's producer side blocks on nothing, so it fails fast like the client: with
  // Redis away, an enqueue rejects at once (the proxy keeps the batch and retries it) instead
  // of piling commands, each holding a whole batch, into an unbounded offline queue.
  const queueConnection = new Redis(url, { ...base, maxRetriesPerRequest: 1, commandTimeout: 5_000 });
  queueConnection.once('ready', () => {
    queueConnection.options.enableOfflineQueue = false;
  });
  for (const c of [client, subscriber, queueConnection]) c.on('error', () => {});

  const key = (k: string) => `${prefix}:${k}`;
  const channel = key('invalidations');
  const queue = new Queue(USAGE_QUEUE, {
    connection: queueConnection,
    prefix: key('bull'),
    defaultJobOptions: {
      attempts: USAGE_MAX_ATTEMPTS,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { age: 3_600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3_600 },
    },
  });
  queue.on('error', () => {});

  const handlers = new Set<(m: InvalidationMessage) => void>();
  let subscribed: Promise<unknown> | undefined;
  subscriber.on('message', (ch: string, payload: string) => {
    if (ch !== channel) return deliverSession(ch, payload);
    let message: InvalidationMessage | undefined;
    try {
      message = readInvalidation(JSON.parse(payload));
    } catch {
      return;
    }
    if (!message) return;
    for (const handler of handlers) {
      try {
        handler(message);
      } catch {
        // Never throw from the connection's event handler: handlers own their errors.
      }
    }
  });

  /**
   * Session channels share the subscriber connection. One Redis subscription per channel with
   * reference counting: SUBSCRIBE when the first handler arrives, UNSUBSCRIBE when the last
   * leaves. Commands on one connection run in order, so a leave racing a new join still ends
   * subscribed.
   */
  const sessionKey = (ch: string) => key(`session:${ch}`);
  const sessionChannels = new Map<
    string,
    { handlers: Set<(message: unknown) => void>; ready: Promise<unknown> }
  >();
  let closed = false;

  function deliverSession(redisChannel: string, payload: string): void {
    const entry = sessionChannels.get(redisChannel);
    if (!entry) return;
    let message: unknown;
    try {
      message = JSON.parse(payload);
    } catch {
      return;
    }
    for (const handler of [...entry.handlers]) {
      try {
        handler(message);
      } catch {
        // One handler's bug must not starve the others; handlers own their errors.
      }
    }
  }

  /** Present once the set holds every durable revocation; a Redis restarted empty lacks it. */
  const revocationsLoadedKey = key('revoked-loaded');
  const configVersionsKey = key('config-versions');
  // Sorted set: member = runner URL, score = when its announcement lapses (ms).
  const runnersKey = key('runners');

  /** The marker and the ids in one MGET: one round trip. */
  async function hasAny(ids: readonly string[]): Promise<boolean> {
    const [loaded, ...found] = await client.mget(
      revocationsLoadedKey,
      ...ids.map((id) => key(`revoked:${id}`)),
    );
    if (loaded === null) throw new RevocationsNotLoadedError();
    return found.some((v) => v !== null);
  }

  const sessions: SessionChannel = {
    async publish(ch, message) {
      await client.publish(sessionKey(ch), JSON.stringify(message) ?? 'null');
    },
    async subscribe(ch, handler) {
      const redisChannel = sessionKey(ch);
      const subscription = (message: unknown) => handler(message);
      let entry = sessionChannels.get(redisChannel);
      if (!entry) {
        entry = { handlers: new Set(), ready: subscriber.subscribe(redisChannel) };
        sessionChannels.set(redisChannel, entry);
      }
      const joined = entry;
      joined.handlers.add(subscription);
      const leave = async () => {
        if (!joined.handlers.delete(subscription) || joined.handlers.size > 0) return;
        if (sessionChannels.get(redisChannel) === joined) sessionChannels.delete(redisChannel);
        if (!closed) await subscriber.unsubscribe(redisChannel);
      };
      try {
        await joined.ready;
      } catch (err) {
        await leave().catch(() => {});
        throw err;
      }
      return leave;
    },
  };

  const workers = new Set<Worker>();

  return {
    kind: 'redis',
    sharedCache: {
      get: (k) => client.get(key(`snap:${k}`)),
      async set(k, value, ttlSeconds) {
        await client.set(key(`snap:${k}`), value, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
      },
      async delete(k) {
        await client.del(key(`snap:${k}`));
      },
      async addToSet(k, members, ttlSeconds) {
        if (members.length === 0) return;
        const setKey = key(`set:${k}`);
        await client
          .multi()
          .sadd(setKey, ...members)
          .expire(setKey, Math.max(1, Math.ceil(ttlSeconds)))
          .exec();
      },
      members: (k) => client.smembers(key(`set:${k}`)),
    },
    invalidations: {
      async publish(message) {
        await client.publish(channel, JSON.stringify(message));
      },
      async subscribe(handler) {
        handlers.add(handler);
        subscribed ??= subscriber.subscribe(channel);
        await subscribed;
        return async () => {
          handlers.delete(handler);
        };
      },
    },
    sessions,
    usage: {
      async enqueue(batch: UsageBatch) {
        // jobId = batch id: enqueueing the same batch twice while it is known is a no-op.
        await queue.add('batch', batch, { jobId: batch.id });
      },
      consume(handler, { concurrency = 1 } = {}): UsageConsumer {
        const worker = new Worker<UsageBatch>(USAGE_QUEUE, (job) => handler(job.data), {
          connection: new Redis(url, { ...base, maxRetriesPerRequest: null }),
          prefix: key('bull'),
          concurrency,
        });
        worker.on('error', () => {});
        workers.add(worker);
        return {
          async close() {
            workers.delete(worker);
            await worker.close();
            await worker.disconnect();
          },
        };
      },
      async stats() {
        const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed');
        return {
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
          active: counts.active ?? 0,
          failed: counts.failed ?? 0,
        };
      },
    },
    quotas: {
      async increment(k, amount, windowSeconds) {
        const windowKey = key(`quota:${k}:${windowStart(windowSeconds)}`);
        const [[, total]] = (await client
          .multi()
          .incrby(windowKey, amount)
          .expire(windowKey, windowSeconds + 1)
          .exec()) as [[Error | null, number]];
        return total;
      },
      async current(k, windowSeconds) {
        return Number((await client.get(key(`quota:${k}:${windowStart(windowSeconds)}`))) ?? 0);
      },
    },
    revocations: {
      async add(id, ttlSeconds) {
        await client.set(key(`revoked:${id}`), '1', 'EX', Math.max(1, Math.ceil(ttlSeconds)));
      },
      has: (id) => hasAny([id]),
      hasAny,
      async load(entries) {
        const now = Date.now() / 1000;
        const batch = client.multi();
        for (const { id, expiresAt } of entries) {
          const ttl = Math.ceil(expiresAt - now);
          if (ttl > 0) batch.set(key(`revoked:${id}`), '1', 'EX', ttl);
        }
        batch.set(revocationsLoadedKey, '1');
        await batch.exec();
      },
    },
    configVersions: {
      async raise(tenantId, version) {
        await client.eval(RAISE_VERSION, 1, configVersionsKey, tenantId, String(version));
      },
      async get(tenantIds) {
        if (tenantIds.length === 0) return [];
        const values = await client.hmget(configVersionsKey, ...tenantIds);
        return values.map((v) => (v === null ? undefined : Number(v)));
      },
    },
    streamEvents: {
      async append(streamId, event, ttlSeconds, maxEvents) {
        const k = key(`stream:${streamId}`);
        await client
          .multi()
          .rpush(k, event)
          .ltrim(k, -maxEvents, -1)
          .expire(k, Math.max(1, Math.ceil(ttlSeconds)))
          .exec();
      },
      read: (streamId) => client.lrange(key(`stream:${streamId}`), 0, -1),
    },
    runners: {
      async announce(url, ttlSeconds) {
        await client.zadd(runnersKey, Date.now() + ttlSeconds * 1000, url);
      },
      async withdraw(url) {
        await client.zrem(runnersKey, url);
      },
      async live() {
        const now = Date.now();
        const [, live] = (await client
          .multi()
          .zremrangebyscore(runnersKey, '-inf', now)
          .zrangebyscore(runnersKey, now, '+inf')
          .exec()) as [[Error | null, unknown], [Error | null, string[]]];
        if (live[0]) throw live[0];
        return live[1].sort();
      },
    },
    rateLimits: createRedisRateLimiter(client, key),
    async ping() {
      await client.ping();
    },
    async close() {
      closed = true;
      sessionChannels.clear();
      await Promise.all([...workers].map(async (w) => (await w.close(), await w.disconnect())));
      await queue.close();
      for (const c of [client, subscriber, queueConnection]) c.disconnect();
    },
  };
}
