import { EventEmitter } from 'node:events';
import { createMemoryRateLimiter } from './rate-limits.ts';
import {
  RevocationsNotLoadedError,
  USAGE_MAX_ATTEMPTS,
  windowStart,
  type Bus,
  type InvalidationMessage,
  type SessionChannel,
  type UsageBatch,
  type UsageConsumer,
  type UsageQueue,
} from './types.ts';

/**
 * In-process bus for one-machine deployments. State lives in a hub on `globalThis`, keyed by
 * namespace, so every module instance in the process (the CLI, and Next.js's separately
 * bundled server code) shares one hub: that is what makes `toolgate start` coherent.
 */
interface Hub {
  values: Map<string, { value: string; expiresAt: number }>;
  emitter: EventEmitter;
  queue: UsageBatch[];
  queuedIds: Set<string>;
  /** Completed batch ids, remembered like BullMQ keeps completed jobs, so re-enqueues are dropped. */
  completed: Map<string, number>;
  attempts: Map<string, number>;
  active: number;
  failed: number;
  wake: Set<() => void>;
  /** Session channel subscribers; a channel's entry goes when its last handler leaves. */
  sessions: Map<string, Set<(message: unknown) => void>>;
  /** A new process starts with an empty set: checks throw until it was loaded from Postgres. */
  revocationsLoaded: boolean;
  configVersions: Map<string, number>;
  streams: Map<string, { events: string[]; expiresAt: number }>;
  /** Runner URL → when its announcement lapses (ms). */
  runners: Map<string, number>;
  rateLimits: Map<string, { count: number; expiresAt: number }>;
}

const COMPLETED_RETENTION_MS = 3_600_000;
const COMPLETED_MAX = 10_000;

const HUBS = Symbol.for('toolgate.bus.memory.hubs');
type GlobalWithHubs = typeof globalThis & { [HUBS]?: Map<string, Hub> };

function hubFor(namespace: string): Hub {
  const g = globalThis as GlobalWithHubs;
  const hubs = (g[HUBS] ??= new Map<string, Hub>());
  let hub = hubs.get(namespace);
  if (!hub) {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    hub = {
      values: new Map(),
      emitter,
      queue: [],
      queuedIds: new Set(),
      completed: new Map(),
      attempts: new Map(),
      active: 0,
      failed: 0,
      wake: new Set(),
      sessions: new Map(),
      revocationsLoaded: false,
      configVersions: new Map(),
      streams: new Map(),
      runners: new Map(),
      rateLimits: new Map(),
    };
    hubs.set(namespace, hub);
  }
  return hub;
}

export interface MemoryBusOptions {
  namespace?: string;
  /** Delay before a failed batch is offered again. */
  retryDelayMs?: number;
}

export function createMemoryBus({ namespace = 'default', retryDelayMs = 200 }: MemoryBusOptions = {}): Bus {
  const hub = hubFor(namespace);
  const live = (key: string): string | null => {
    const entry = hub.values.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      hub.values.delete(key);
      return null;
    }
    return entry.value;
  };
  const hasAny = (ids: readonly string[]): Promise<boolean> => {
    if (!hub.revocationsLoaded) return Promise.reject(new RevocationsNotLoadedError());
    return Promise.resolve(ids.some((id) => live(`revoked:${id}`) !== null));
  };

  let puts = 0;
  const put = (key: string, value: string, ttlSeconds: number) => {
    const now = Date.now();
    // Entries nobody reads again (ended streams, held calls) would stay forever: sweep now and then.
    if (++puts % 1024 === 0) {
      for (const [k, entry] of hub.values) if (entry.expiresAt <= now) hub.values.delete(k);
    }
    hub.values.set(key, { value, expiresAt: now + ttlSeconds * 1000 });
  };
  const consumers = new Set<UsageConsumer>();
  const timers = new Set<NodeJS.Timeout>();

  const usage: UsageQueue = {
    enqueue(batch) {
      const doneAt = hub.completed.get(batch.id);
      if (doneAt !== undefined && Date.now() - doneAt < COMPLETED_RETENTION_MS) return Promise.resolve();
      if (!hub.queuedIds.has(batch.id)) {
        hub.queuedIds.add(batch.id);
        hub.queue.push(batch);
        for (const wake of hub.wake) wake();
      }
      return Promise.resolve();
    },
    consume(handler, { concurrency = 1 } = {}) {
      let closed = false;
      let running = 0;
      const inFlight = new Set<Promise<void>>();
      const pump = () => {
        while (!closed && running < concurrency && hub.queue.length > 0) {
          const batch = hub.queue.shift()!;
          running++;
          hub.active++;
          const task = handler(batch)
            .then(
              () => {
                hub.queuedIds.delete(batch.id);
                hub.attempts.delete(batch.id);
                hub.completed.set(batch.id, Date.now());
                if (hub.completed.size > COMPLETED_MAX) {
                  hub.completed.delete(hub.completed.keys().next().value!);
                }
              },
              () => {
                const attempts = (hub.attempts.get(batch.id) ?? 0) + 1;
                hub.attempts.set(batch.id, attempts);
                if (attempts >= USAGE_MAX_ATTEMPTS) {
                  hub.failed++;
                  hub.queuedIds.delete(batch.id);
                  return;
                }
                const timer = setTimeout(() => {
                  timers.delete(timer);
                  hub.queue.push(batch);
                  for (const wake of hub.wake) wake();
                }, retryDelayMs);
                timers.add(timer);
              },
            )
            .finally(() => {
              running--;
              hub.active--;
              inFlight.delete(task);
              pump();
            });
          inFlight.add(task);
        }
      };
      hub.wake.add(pump);
      queueMicrotask(pump);
      const consumer: UsageConsumer = {
        async close() {
          closed = true;
          hub.wake.delete(pump);
          consumers.delete(consumer);
          await Promise.allSettled([...inFlight]);
        },
      };
      consumers.add(consumer);
      return consumer;
    },
    stats: () => Promise.resolve({ waiting: hub.queue.length, active: hub.active, failed: hub.failed }),
  };

  const listeners = new Set<(m: InvalidationMessage) => void>();
  /** This bus's session subscriptions, so close() releases them. */
  const sessionSubscriptions = new Set<() => void>();

  const sessions: SessionChannel = {
    publish(channel, message) {
      // A JSON round trip, like Redis: subscribers never share objects with the publisher.
      let copy: unknown;
      try {
        copy = JSON.parse(JSON.stringify(message) ?? 'null');
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      setImmediate(() => {
        for (const handler of [...(hub.sessions.get(channel) ?? [])]) {
          try {
            handler(copy);
          } catch {
            // One handler's bug must not starve the others; handlers own their errors.
          }
        }
      });
      return Promise.resolve();
    },
    subscribe(channel, handler) {
      // A wrapper per subscription: the same handler may subscribe twice and leave twice.
      const subscription = (message: unknown) => handler(message);
      let handlers = hub.sessions.get(channel);
      if (!handlers) hub.sessions.set(channel, (handlers = new Set()));
      handlers.add(subscription);
      const release = () => {
        sessionSubscriptions.delete(release);
        const current = hub.sessions.get(channel);
        if (!current?.delete(subscription)) return;
        if (current.size === 0) hub.sessions.delete(channel);
      };
      sessionSubscriptions.add(release);
      return Promise.resolve(() => Promise.resolve(release()));
    },
  };

  return {
    kind: 'memory',
    sharedCache: {
      get: (key) => Promise.resolve(live(key)),
      set: (key, value, ttlSeconds) => Promise.resolve(void put(key, value, ttlSeconds)),
      delete: (key) => Promise.resolve(void hub.values.delete(key)),
      addToSet(key, members, ttlSeconds) {
        if (members.length === 0) return Promise.resolve();
        // Stored like any value (a JSON list), under a key of its own; one process, so no race.
        const current = new Set<string>(JSON.parse(live(`set:${key}`) ?? '[]') as string[]);
        for (const m of members) current.add(m);
        put(`set:${key}`, JSON.stringify([...current]), ttlSeconds);
        return Promise.resolve();
      },
      members: (key) => Promise.resolve(JSON.parse(live(`set:${key}`) ?? '[]') as string[]),
    },
    invalidations: {
      publish(message) {
        // Asynchronous like a real pub/sub: publishers never run subscriber code inline.
        const copy = structuredClone(message);
        setImmediate(() => hub.emitter.emit('invalidate', copy));
        return Promise.resolve();
      },
      subscribe(handler) {
        hub.emitter.on('invalidate', handler);
        listeners.add(handler);
        return Promise.resolve(async () => {
          hub.emitter.off('invalidate', handler);
          listeners.delete(handler);
        });
      },
    },
    sessions,
    usage,
    quotas: {
      increment(key, amount, windowSeconds) {
        const k = `quota:${key}:${windowStart(windowSeconds)}`;
        const next = Number(live(k) ?? 0) + amount;
        put(k, String(next), windowSeconds);
        return Promise.resolve(next);
      },
      current: (key, windowSeconds) =>
        Promise.resolve(Number(live(`quota:${key}:${windowStart(windowSeconds)}`) ?? 0)),
    },
    revocations: {
      add: (id, ttlSeconds) => Promise.resolve(void put(`revoked:${id}`, '1', ttlSeconds)),
      has: (id) => hasAny([id]),
      hasAny,
      load(entries) {
        const now = Date.now() / 1000;
        for (const { id, expiresAt } of entries) {
          if (expiresAt > now) put(`revoked:${id}`, '1', expiresAt - now);
        }
        hub.revocationsLoaded = true;
        return Promise.resolve();
      },
    },
    configVersions: {
      raise(tenantId, version) {
        if (version > (hub.configVersions.get(tenantId) ?? 0)) hub.configVersions.set(tenantId, version);
        return Promise.resolve();
      },
      get: (tenantIds) => Promise.resolve(tenantIds.map((id) => hub.configVersions.get(id))),
    },
    streamEvents: {
      append(streamId, event, ttlSeconds, maxEvents) {
        const now = Date.now();
        if (++puts % 1024 === 0) {
          for (const [id, s] of hub.streams) if (s.expiresAt <= now) hub.streams.delete(id);
        }
        const stream = hub.streams.get(streamId) ?? { events: [], expiresAt: 0 };
        stream.events.push(event);
        if (stream.events.length > maxEvents) stream.events.splice(0, stream.events.length - maxEvents);
        stream.expiresAt = now + ttlSeconds * 1000;
        hub.streams.set(streamId, stream);
        return Promise.resolve();
      },
      read(streamId) {
        const stream = hub.streams.get(streamId);
        return Promise.resolve(stream && stream.expiresAt > Date.now() ? [...stream.events] : []);
      },
    },
    runners: {
      announce(url, ttlSeconds) {
        hub.runners.set(url, Date.now() + ttlSeconds * 1000);
        return Promise.resolve();
      },
      withdraw(url) {
        hub.runners.delete(url);
        return Promise.resolve();
      },
      live() {
        const now = Date.now();
        for (const [url, until] of hub.runners) if (until <= now) hub.runners.delete(url);
        return Promise.resolve([...hub.runners.keys()].sort());
      },
    },
    rateLimits: createMemoryRateLimiter(hub.rateLimits),
    ping: () => Promise.resolve(),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const handler of listeners) hub.emitter.off('invalidate', handler);
      for (const release of [...sessionSubscriptions]) release();
      await Promise.all([...consumers].map((c) => c.close()));
    },
  };
}
