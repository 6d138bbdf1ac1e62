import { randomBytes, randomUUID } from 'node:crypto';
import { eventually } from '@toolgate/fixtures/test-kit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { MessageChannel } from 'node:worker_threads';
import { createLinkedBus, portLink, serveBus } from './ipc.ts';
import { createMemoryBus } from './memory.ts';
import { createLazyRedisBus } from './lazy-redis.ts';
import { createRedisBus } from './redis.ts';
import { RevocationsNotLoadedError, type Bus, type InvalidationMessage, type UsageBatch } from './types.ts';

const redisUrl = inject('redisUrl');

/**
 * One contract, two implementations. `replicas()` returns two bus instances over the same
 * backing state, as two proxy processes would see it, and `listening(channel)`: how many
 * Redis connections (in-process: handlers) are subscribed to that session channel.
 */
interface Implementation {
  name: string;
  available: boolean;
  replicas: () => { buses: [Bus, Bus]; listening: (channel: string) => Promise<number> };
}

const MEMORY_HUBS = Symbol.for('toolgate.bus.memory.hubs');
type MemoryHubs = Map<string, { sessions: Map<string, Set<unknown>> }>;
const probes: Redis[] = [];
afterAll(() => {
  for (const probe of probes.splice(0)) probe.disconnect();
});

const implementations: Implementation[] = [
  {
    name: 'in-process',
    available: true,
    replicas: () => {
      const namespace = `test-${randomBytes(4).toString('hex')}`;
      const hubs = () => (globalThis as { [MEMORY_HUBS]?: MemoryHubs })[MEMORY_HUBS];
      return {
        buses: [
          createMemoryBus({ namespace, retryDelayMs: 20 }),
          createMemoryBus({ namespace, retryDelayMs: 20 }),
        ],
        listening: (channel) => Promise.resolve(hubs()?.get(namespace)?.sessions.get(channel)?.size ?? 0),
      };
    },
  },
  {
    // Two child processes' buses, each linked to the parent's in-process bus (`toolgate start`).
    name: 'linked to an in-process bus',
    available: true,
    replicas: () => {
      const namespace = `test-${randomBytes(4).toString('hex')}`;
      const hubs = () => (globalThis as { [MEMORY_HUBS]?: MemoryHubs })[MEMORY_HUBS];
      const linked = () => {
        const { port1, port2 } = new MessageChannel();
        const served = serveBus(createMemoryBus({ namespace, retryDelayMs: 20 }), portLink(port1));
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
      return {
        buses: [linked(), linked()],
        listening: (channel) => Promise.resolve(hubs()?.get(namespace)?.sessions.get(channel)?.size ?? 0),
      };
    },
  },
  {
    name: 'redis',
    available: Boolean(redisUrl),
    replicas: () => {
      const prefix = `tgtest:${randomBytes(4).toString('hex')}`;
      return {
        buses: [createRedisBus({ url: redisUrl, prefix }), createRedisBus({ url: redisUrl, prefix })],
        listening: (channel) => sessionSubscribers(prefix, channel),
      };
    },
  },
  {
    // As processes get it from createBus: clients loaded on first use, beside a direct one.
    name: 'redis, loaded on first use',
    available: Boolean(redisUrl),
    replicas: () => {
      const prefix = `tgtest:${randomBytes(4).toString('hex')}`;
      return {
        buses: [createLazyRedisBus({ url: redisUrl, prefix }), createRedisBus({ url: redisUrl, prefix })],
        listening: (channel) => sessionSubscribers(prefix, channel),
      };
    },
  },
];

async function sessionSubscribers(prefix: string, channel: string): Promise<number> {
  if (probes.length === 0) probes.push(new Redis(redisUrl));
  const [, count] = (await probes[0]!.pubsub('NUMSUB', `${prefix}:session:${channel}`)) as [string, number];
  return Number(count);
}

describe.each(implementations)('bus contract: $name', ({ available, replicas }) => {
  const open: Bus[] = [];
  const withProbe = () => {
    const made = replicas();
    open.push(...made.buses);
    return made;
  };
  const pair = () => withProbe().buses;
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  it.skipIf(!available)('pings', async () => {
    const [a] = pair();
    await expect(a.ping()).resolves.toBeUndefined();
  });

  it.skipIf(!available)('snapshot cache: set on one replica, read on the other, delete, expire', async () => {
    const [a, b] = pair();
    expect(await b.sharedCache.get('gw:1')).toBeNull();
    await a.sharedCache.set('gw:1', '{"v":1}', 60);
    expect(await b.sharedCache.get('gw:1')).toBe('{"v":1}');
    await b.sharedCache.delete('gw:1');
    expect(await a.sharedCache.get('gw:1')).toBeNull();

    await a.sharedCache.set('gw:short', 'x', 1);
    expect(await b.sharedCache.get('gw:short')).toBe('x');
    await eventually(async () => expect(await b.sharedCache.get('gw:short')).toBeNull(), 4_000);
  });

  it.skipIf(!available)(
    'sets: concurrent adds from two replicas keep every member, then expire',
    async () => {
      const [a, b] = pair();
      expect(await b.sharedCache.members('labels:s1')).toEqual([]);
      await Promise.all([
        a.sharedCache.addToSet('labels:s1', ['untrusted-output'], 60),
        b.sharedCache.addToSet('labels:s1', ['external-send', 'pii'], 60),
        a.sharedCache.addToSet('labels:s1', ['pii'], 60),
      ]);
      expect((await a.sharedCache.members('labels:s1')).sort()).toEqual([
        'external-send',
        'pii',
        'untrusted-output',
      ]);
      await a.sharedCache.addToSet('labels:short', ['x'], 1);
      expect(await b.sharedCache.members('labels:short')).toEqual(['x']);
      await eventually(async () => expect(await b.sharedCache.members('labels:short')).toEqual([]), 4_000);
    },
  );

  it.skipIf(!available)(
    'invalidations reach every subscriber on every replica, and unsubscribe stops them',
    async () => {
      const [a, b] = pair();
      const seenA: InvalidationMessage[] = [];
      const seenB: InvalidationMessage[] = [];
      const offA = await a.invalidations.subscribe((m) => seenA.push(m));
      await b.invalidations.subscribe((m) => seenB.push(m));
      const message: InvalidationMessage = {
        kind: 'gateway',
        tenantId: randomUUID(),
        gatewayId: randomUUID(),
        reason: 'tools changed',
      };
      await a.invalidations.publish(message);
      await eventually(() => {
        expect(seenA).toEqual([message]);
        expect(seenB).toEqual([message]);
      });

      await offA();
      await b.invalidations.publish({ kind: 'tenant', tenantId: message.tenantId, reason: 'tenant changed' });
      await eventually(() => expect(seenB).toHaveLength(2));
      expect(seenA).toHaveLength(1);
    },
  );

  it.skipIf(!available)(
    'usage queue: every batch delivered once to one of the consumers, duplicates dropped',
    async () => {
      const [producer, consumerBus] = pair();
      const received: string[] = [];
      const consumer = consumerBus.usage.consume(
        async (batch) => {
          received.push(batch.id);
        },
        { concurrency: 2 },
      );
      const batches: UsageBatch[] = Array.from({ length: 20 }, (_, i) => ({
        id: `b-${i}-${randomUUID()}`,
        events: [{ i }],
      }));
      for (const batch of batches) await producer.usage.enqueue(batch);
      await producer.usage.enqueue(batches[0]!); // same id while still known: ignored
      await eventually(() => expect([...received].sort()).toEqual(batches.map((b) => b.id).sort()));
      await consumer.close();
      const stats = await producer.usage.stats();
      expect(stats.waiting + stats.active).toBe(0);
    },
  );

  it.skipIf(!available)(
    'usage queue: a failing handler gets the batch again, with its payload intact',
    async () => {
      const [a] = pair();
      let attempts = 0;
      const delivered: UsageBatch[] = [];
      const consumer = a.usage.consume(async (batch) => {
        attempts++;
        if (attempts < 3) throw new Error('database unavailable');
        delivered.push(batch);
      });
      const batch = { id: randomUUID(), events: [{ tool: 'echo', ms: 3 }] };
      await a.usage.enqueue(batch);
      await eventually(() => expect(delivered).toEqual([batch]), 10_000);
      expect(attempts).toBe(3);
      await consumer.close();
    },
  );

  it.skipIf(!available)('quota counters count per window and are shared by replicas', async () => {
    const [a, b] = pair();
    const key = `tenant:${randomUUID()}:calls`;
    expect(await a.quotas.increment(key, 1, 3600)).toBe(1);
    expect(await b.quotas.increment(key, 4, 3600)).toBe(5);
    expect(await a.quotas.current(key, 3600)).toBe(5);
    expect(await a.quotas.current(`${key}:other`, 3600)).toBe(0);
  });

  it.skipIf(!available)('revocation set: visible on every replica until its TTL ends', async () => {
    const [a, b] = pair();
    await a.revocations.load([]);
    const id = randomUUID();
    expect(await b.revocations.has(id)).toBe(false);
    await a.revocations.add(id, 1);
    expect(await b.revocations.has(id)).toBe(true);
    await eventually(async () => expect(await b.revocations.has(id)).toBe(false), 4_000);
  });
  it.skipIf(!available)(
    'revocation set: hasAny answers for several ids at once, across replicas',
    async () => {
      const [a, b] = pair();
      await b.revocations.load([]);
      const [grant, jti, other] = [randomUUID(), randomUUID(), randomUUID()];
      expect(await b.revocations.hasAny([])).toBe(false);
      expect(await b.revocations.hasAny([`g:${grant}`, `j:${jti}`])).toBe(false);
      await a.revocations.add(`j:${jti}`, 1);
      expect(await b.revocations.hasAny([`g:${grant}`, `j:${jti}`])).toBe(true);
      expect(await b.revocations.hasAny([`j:${jti}`])).toBe(true);
      expect(await b.revocations.hasAny([`g:${grant}`, `j:${other}`])).toBe(false);
      await eventually(async () => expect(await b.revocations.hasAny([`j:${jti}`])).toBe(false), 4_000);
    },
  );
  it.skipIf(!available)(
    'revocation set: an emptied set refuses to answer until loaded, and loading adds live entries only',
    async () => {
      const [a, b] = pair();
      const [live, expired] = [randomUUID(), randomUUID()];
      await expect(b.revocations.has(live)).rejects.toBeInstanceOf(RevocationsNotLoadedError);
      await expect(b.revocations.hasAny([])).rejects.toBeInstanceOf(RevocationsNotLoadedError);
      const now = Math.floor(Date.now() / 1000);
      await a.revocations.load([
        { id: live, expiresAt: now + 60 },
        { id: expired, expiresAt: now - 1 },
      ]);
      expect(await b.revocations.has(live)).toBe(true);
      expect(await b.revocations.has(expired)).toBe(false);
      expect(await b.revocations.hasAny([])).toBe(false);
    },
  );
  it.skipIf(!available)('stream events: appended on one replica, read on another, bounded', async () => {
    const [a, b] = pair();
    const stream = randomUUID();
    expect(await b.streamEvents.read(stream)).toEqual([]);
    for (const n of [1, 2, 3, 4]) await a.streamEvents.append(stream, `e${n}`, 60, 3);
    expect(await b.streamEvents.read(stream)).toEqual(['e2', 'e3', 'e4']);
    expect(await b.streamEvents.read(randomUUID())).toEqual([]);
    const short = randomUUID();
    await a.streamEvents.append(short, 'x', 1, 10);
    expect(await b.streamEvents.read(short)).toEqual(['x']);
    await eventually(async () => expect(await b.streamEvents.read(short)).toEqual([]), 4_000);
  });

  it.skipIf(!available)(
    'runners: announced on one replica, live on another until withdrawn or lapsed',
    async () => {
      const [a, b] = pair();
      const [r1, r2] = [`http://runner-${randomUUID()}:4100`, `http://runner-${randomUUID()}:4100`];
      const mine = async () => (await b.runners.live()).filter((u) => u === r1 || u === r2);
      await a.runners.announce(r2, 60);
      await a.runners.announce(r1, 1);
      expect(await mine()).toEqual([r1, r2].sort());
      await a.runners.withdraw(r2);
      expect(await mine()).toEqual([r1]);
      await eventually(async () => expect(await mine()).toEqual([]), 4_000);
      await b.runners.announce(r1, 60);
      expect(await a.runners.live()).toContain(r1);
      await b.runners.withdraw(r1);
    },
  );

  it.skipIf(!available)('config versions: raised across replicas, never lowered', async () => {
    const [a, b] = pair();
    const [t1, t2] = [randomUUID(), randomUUID()];
    expect(await b.configVersions.get([t1, t2])).toEqual([undefined, undefined]);
    await a.configVersions.raise(t1, 5);
    await b.configVersions.raise(t1, 3);
    await b.configVersions.raise(t2, 1);
    expect(await a.configVersions.get([t1, t2])).toEqual([5, 1]);
    expect(await a.configVersions.get([])).toEqual([]);
  });
  it.skipIf(!available)(
    'session channel: a message published on one replica reaches subscribers of that channel only, in order',
    async () => {
      const [a, b] = pair();
      const sid = randomUUID();
      const onB: unknown[] = [];
      const onA: unknown[] = [];
      const otherChannel: unknown[] = [];
      await b.sessions.subscribe(`legacy:${sid}`, (m) => onB.push(m));
      await a.sessions.subscribe(`legacy:${sid}`, (m) => onA.push(m));
      await b.sessions.subscribe(`legacy:${randomUUID()}`, (m) => otherChannel.push(m));

      const messages = Array.from({ length: 20 }, (_, i) => ({ jsonrpc: '2.0', id: i, result: { i } }));
      for (const m of messages) await a.sessions.publish(`legacy:${sid}`, m);
      await eventually(() => {
        expect(onB).toEqual(messages);
        expect(onA).toEqual(messages);
      });
      // A message on its own channel arrives after everything published before it: a fence.
      const fence: unknown[] = [];
      const fenceChannel = `legacy:${randomUUID()}`;
      await b.sessions.subscribe(fenceChannel, (m) => fence.push(m));
      await a.sessions.publish(fenceChannel, 'fence');
      await eventually(() => expect(fence).toEqual(['fence']));
      expect(otherChannel).toEqual([]);
    },
  );

  it.skipIf(!available)('session channel: subscribers get copies, and values arrive as JSON', async () => {
    const [a, b] = pair();
    const channel = `legacy:${randomUUID()}`;
    const seen: unknown[] = [];
    await b.sessions.subscribe(channel, (m) => seen.push(m));
    const message = { nested: { list: [1, 'two'] }, at: new Date(0), gone: undefined };
    await a.sessions.publish(channel, message);
    await a.sessions.publish(channel, 'text');
    await eventually(() => expect(seen).toHaveLength(2));
    expect(seen).toEqual([{ nested: { list: [1, 'two'] }, at: '1970-01-01T00:00:00.000Z' }, 'text']);
    expect(seen[0]).not.toBe(message);
  });

  it.skipIf(!available)(
    'session channel: unsubscribe stops delivery; the subscription goes when the last handler leaves',
    async () => {
      const { buses, listening } = withProbe();
      const [a, b] = buses;
      const channel = `legacy:${randomUUID()}`;
      const first: unknown[] = [];
      const second: unknown[] = [];
      const onB: unknown[] = [];
      const offFirst = await a.sessions.subscribe(channel, (m) => first.push(m));
      const offSecond = await a.sessions.subscribe(channel, (m) => second.push(m));
      const offB = await b.sessions.subscribe(channel, (m) => onB.push(m));

      await offFirst();
      await offFirst(); // leaving twice is harmless and does not take the other handler along
      expect(await listening(channel)).toBe(2);
      await b.sessions.publish(channel, 1);
      await eventually(() => {
        expect(second).toEqual([1]);
        expect(onB).toEqual([1]);
      });
      expect(first).toEqual([]);

      await offSecond();
      expect(await listening(channel)).toBe(1);
      await b.sessions.publish(channel, 2);
      await eventually(() => expect(onB).toEqual([1, 2]));
      expect(second).toEqual([1]);

      await offB();
      expect(await listening(channel)).toBe(0);

      // A channel left entirely can be joined again.
      const again: unknown[] = [];
      await a.sessions.subscribe(channel, (m) => again.push(m));
      await b.sessions.publish(channel, 3);
      await eventually(() => expect(again).toEqual([3]));
    },
  );

  it.skipIf(!available)('session channel: closing a bus releases its subscriptions', async () => {
    const { buses, listening } = withProbe();
    const [a] = buses;
    const channel = `legacy:${randomUUID()}`;
    await a.sessions.subscribe(channel, () => {});
    expect(await listening(channel)).toBe(1);
    await a.close();
    await eventually(async () => expect(await listening(channel)).toBe(0));
  });
});
