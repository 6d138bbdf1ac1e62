import type { ChildProcess } from 'node:child_process';
import type { MessagePort } from 'node:worker_threads';
import { RevocationsNotLoadedError, type Bus, type UsageBatch, type UsageConsumer } from './types.ts';

/**
 * The bus of another process, reached over a message link: how `toolgate start` gives the proxy
 * its own process while web, worker and the in-process bus stay in the parent. The parent serves
 * its bus (`serveBus`); the child talks to it (`createLinkedBus`). Every operation is one message
 * each way; subscriptions and usage consumers are held in the parent on the child's behalf and
 * released when the child closes its bus or its link goes.
 *
 * The link must carry structured-clone values (fork with `serialization: 'advanced'`, or a
 * MessagePort): results such as `configVersions.get` hold `undefined`.
 */
export interface BusLink {
  send(frame: Frame): void;
  /** Starts delivering incoming frames; returns the function that stops it. */
  listen(handler: (frame: Frame) => void, onClose: () => void): () => void;
}

type Frame =
  | { t: 'call'; id: number; op: string; args: unknown[] }
  | { t: 'result'; id: number; value: unknown }
  | { t: 'error'; id: number; name: string; message: string }
  | { t: 'event'; sub: number; message: unknown };

const isFrame = (value: unknown): value is Frame =>
  typeof value === 'object' && value !== null && typeof (value as { t?: unknown }).t === 'string';

/** A forked child's IPC channel, from either end (`process` in the child, the ChildProcess in the parent). */
export function processLink(end: ChildProcess | NodeJS.Process): BusLink {
  return {
    send: (frame) => {
      if (end.connected) end.send?.(frame);
    },
    listen(handler, onClose) {
      const onMessage = (message: unknown) => {
        if (isFrame(message)) handler(message);
      };
      end.on('message', onMessage);
      end.on('disconnect', onClose);
      return () => {
        end.off('message', onMessage);
        end.off('disconnect', onClose);
      };
    },
  };
}

/** One end of a worker_threads MessageChannel (tests, and threads). */
export function portLink(port: MessagePort): BusLink {
  return {
    send: (frame) => port.postMessage(frame),
    listen(handler, onClose) {
      const onMessage = (message: unknown) => {
        if (isFrame(message)) handler(message);
      };
      port.on('message', onMessage);
      port.on('close', onClose);
      return () => {
        port.off('message', onMessage);
        port.off('close', onClose);
      };
    },
  };
}

export class BusLinkClosedError extends Error {
  constructor() {
    super('the process serving the bus is gone');
    this.name = 'BusLinkClosedError';
  }
}

function rebuildError(name: string, message: string): Error {
  if (name === 'RevocationsNotLoadedError') return new RevocationsNotLoadedError();
  if (name === 'BusLinkClosedError') return new BusLinkClosedError();
  const err = new Error(message);
  err.name = name;
  return err;
}

type Handler = (args: unknown[]) => unknown;

/** Both ends: calls out with replies matched by id, and calls in answered by `handlers`. */
class Peer {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly detach: () => void;
  closed = false;

  constructor(
    private readonly link: BusLink,
    private readonly handlers: (op: string) => Handler | undefined,
    private readonly onEvent: (sub: number, message: unknown) => void,
    private readonly onClose: () => void,
  ) {
    this.detach = link.listen(
      (frame) => this.receive(frame),
      () => this.close(),
    );
  }

  call(op: string, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new BusLinkClosedError());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.link.send({ t: 'call', id, op, args });
    });
  }

  event(sub: number, message: unknown): void {
    if (!this.closed) this.link.send({ t: 'event', sub, message });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    for (const { reject } of this.pending.values()) reject(new BusLinkClosedError());
    this.pending.clear();
    this.onClose();
  }

  private receive(frame: Frame): void {
    switch (frame.t) {
      case 'call':
        void this.answer(frame.id, frame.op, frame.args);
        return;
      case 'event':
        this.onEvent(frame.sub, frame.message);
        return;
      default: {
        const waiting = this.pending.get(frame.id);
        if (!waiting) return;
        this.pending.delete(frame.id);
        if (frame.t === 'result') waiting.resolve(frame.value);
        else waiting.reject(rebuildError(frame.name, frame.message));
      }
    }
  }

  private async answer(id: number, op: string, args: unknown[]): Promise<void> {
    try {
      const handler = this.handlers(op);
      if (!handler) throw new Error(`unknown bus operation "${op}"`);
      const value = await handler(args);
      if (!this.closed) this.link.send({ t: 'result', id, value });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if (!this.closed) this.link.send({ t: 'error', id, name: e.name, message: e.message });
    }
  }
}

/** Plain request/response operations, forwarded as they are. */
const FORWARDED: Record<string, (bus: Bus, args: unknown[]) => unknown> = {
  'sharedCache.get': (b, [key]) => b.sharedCache.get(key as string),
  'sharedCache.set': (b, [key, value, ttl]) =>
    b.sharedCache.set(key as string, value as string, ttl as number),
  'sharedCache.delete': (b, [key]) => b.sharedCache.delete(key as string),
  'sharedCache.addToSet': (b, [key, members, ttl]) =>
    b.sharedCache.addToSet(key as string, members as string[], ttl as number),
  'sharedCache.members': (b, [key]) => b.sharedCache.members(key as string),
  'invalidations.publish': (b, [message]) => b.invalidations.publish(message as never),
  'sessions.publish': (b, [channel, message]) => b.sessions.publish(channel as string, message),
  'usage.enqueue': (b, [batch]) => b.usage.enqueue(batch as UsageBatch),
  'usage.stats': (b) => b.usage.stats(),
  'quotas.increment': (b, [key, amount, window]) =>
    b.quotas.increment(key as string, amount as number, window as number),
  'quotas.current': (b, [key, window]) => b.quotas.current(key as string, window as number),
  'revocations.add': (b, [id, ttl]) => b.revocations.add(id as string, ttl as number),
  'revocations.has': (b, [id]) => b.revocations.has(id as string),
  'revocations.hasAny': (b, [ids]) => b.revocations.hasAny(ids as string[]),
  'revocations.load': (b, [entries]) => b.revocations.load(entries as never),
  'configVersions.raise': (b, [tenantId, version]) =>
    b.configVersions.raise(tenantId as string, version as number),
  'configVersions.get': (b, [tenantIds]) => b.configVersions.get(tenantIds as string[]),
  'streamEvents.append': (b, [streamId, event, ttl, max]) =>
    b.streamEvents.append(streamId as string, event as string, ttl as number, max as number),
  'streamEvents.read': (b, [streamId]) => b.streamEvents.read(streamId as string),
  'runners.announce': (b, [url, ttl]) => b.runners.announce(url as string, ttl as number),
  'runners.withdraw': (b, [url]) => b.runners.withdraw(url as string),
  'runners.live': (b) => b.runners.live(),
  'rateLimits.check': (b, [buckets, cost, now]) =>
    b.rateLimits.check(buckets as never, cost as number | undefined, now as number | undefined),
  ping: (b) => b.ping(),
};

/**
 * Serves `bus` to the process at the other end of `link`. Whatever the other end subscribed to
 * is released when it closes its bus, when the link goes, or on `close()`.
 */
export function serveBus(bus: Bus, link: BusLink): { close(): Promise<void> } {
  /** Subscriptions and consumers held for the other end, by its subscription number. */
  const held = new Map<number, () => Promise<void>>();
  const release = async (sub: number) => {
    const stop = held.get(sub);
    held.delete(sub);
    await stop?.();
  };
  const releaseAll = () => Promise.all([...held.keys()].map(release)).then(() => undefined);
  /** A subscription made for the other end; released at once if the link went meanwhile. */
  const hold = (sub: number, off: () => Promise<void>) => {
    if (peer.closed) void off().catch(() => undefined);
    else held.set(sub, off);
  };

  const special: Record<string, Handler> = {
    async 'invalidations.subscribe'([sub]) {
      hold(sub as number, await bus.invalidations.subscribe((m) => peer.event(sub as number, m)));
    },
    async 'sessions.subscribe'([channel, sub]) {
      hold(
        sub as number,
        await bus.sessions.subscribe(channel as string, (m) => peer.event(sub as number, m)),
      );
    },
    'usage.consume'([sub, options]) {
      const consumer = bus.usage.consume(
        async (batch) => void (await peer.call('consumer', [sub, batch])),
        options as { concurrency?: number },
      );
      held.set(sub as number, () => consumer.close());
    },
    release: ([sub]) => release(sub as number),
    releaseAll,
  };
  const peer = new Peer(
    link,
    (op) => special[op] ?? (FORWARDED[op] ? (args) => FORWARDED[op]!(bus, args) : undefined),
    () => {},
    () => void releaseAll(),
  );
  return {
    async close() {
      await releaseAll();
      peer.close();
    },
  };
}

/** The bus served at the other end of `link` (see `serveBus`). */
export function createLinkedBus(link: BusLink): Bus {
  let nextSub = 1;
  const listeners = new Map<number, (message: unknown) => void>();
  const consumers = new Map<number, (batch: UsageBatch) => Promise<void>>();
  const peer = new Peer(
    link,
    (op) =>
      op === 'consumer'
        ? ([sub, batch]) => {
            const handler = consumers.get(sub as number);
            if (!handler) throw new Error('this usage consumer was closed');
            return handler(batch as UsageBatch);
          }
        : undefined,
    (sub, message) => listeners.get(sub)?.(message),
    () => {
      listeners.clear();
      consumers.clear();
    },
  );
  const call = <T>(op: string, ...args: unknown[]) => peer.call(op, args) as Promise<T>;
  const subscription = (sub: number) => async () => {
    listeners.delete(sub);
    if (!peer.closed) await call('release', sub);
  };

  return {
    kind: 'linked',
    sharedCache: {
      get: (key) => call('sharedCache.get', key),
      set: (key, value, ttl) => call('sharedCache.set', key, value, ttl),
      delete: (key) => call('sharedCache.delete', key),
      addToSet: (key, members, ttl) => call('sharedCache.addToSet', key, members, ttl),
      members: (key) => call('sharedCache.members', key),
    },
    invalidations: {
      publish: (message) => call('invalidations.publish', message),
      async subscribe(handler) {
        const sub = nextSub++;
        listeners.set(sub, handler as (message: unknown) => void);
        await call('invalidations.subscribe', sub);
        return subscription(sub);
      },
    },
    sessions: {
      publish: (channel, message) => call('sessions.publish', channel, message),
      async subscribe(channel, handler) {
        const sub = nextSub++;
        listeners.set(sub, handler);
        await call('sessions.subscribe', channel, sub);
        return subscription(sub);
      },
    },
    usage: {
      enqueue: (batch) => call('usage.enqueue', batch),
      stats: () => call('usage.stats'),
      consume(handler, options): UsageConsumer {
        const sub = nextSub++;
        consumers.set(sub, handler);
        const started = call('usage.consume', sub, options ?? {});
        return {
          async close() {
            await started.catch(() => undefined);
            consumers.delete(sub);
            if (!peer.closed) await call('release', sub);
          },
        };
      },
    },
    quotas: {
      increment: (key, amount, window) => call('quotas.increment', key, amount, window),
      current: (key, window) => call('quotas.current', key, window),
    },
    revocations: {
      add: (id, ttl) => call('revocations.add', id, ttl),
      has: (id) => call('revocations.has', id),
      hasAny: (ids) => call('revocations.hasAny', ids),
      load: (entries) => call('revocations.load', entries),
    },
    configVersions: {
      raise: (tenantId, version) => call('configVersions.raise', tenantId, version),
      get: (tenantIds) => call('configVersions.get', tenantIds),
    },
    streamEvents: {
      append: (streamId, event, ttl, max) => call('streamEvents.append', streamId, event, ttl, max),
      read: (streamId) => call('streamEvents.read', streamId),
    },
    runners: {
      announce: (url, ttl) => call('runners.announce', url, ttl),
      withdraw: (url) => call('runners.withdraw', url),
      live: () => call('runners.live'),
    },
    rateLimits: {
      check: (buckets, cost, now) => call('rateLimits.check', buckets, cost, now),
    },
    ping: () => call('ping'),
    async close() {
      if (!peer.closed) await call('releaseAll').catch(() => undefined);
      listeners.clear();
      consumers.clear();
    },
  };
}
