import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createMemoryBus } from './memory.ts';
import { createRedisBus } from './redis.ts';
import type { Bus, InvalidationMessage, UsageBatch } from './types.ts';

/** Polls until `check` passes or the deadline expires (no fixed sleeps). */
async function eventually(check: () => void | Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const redisUrl = inject('redisUrl');

/**
 * One contract, two implementations. `replicas()` returns two bus instances over the same
 * backing state, as two proxy processes would see it.
 */
const implementations: { name: string; available: boolean; replicas: () => [Bus, Bus] }[] = [
  {
    name: 'in-process',
    available: true,
    replicas: () => {
      const namespace = `test-${randomBytes(4).toString('hex')}`;
      return [
        createMemoryBus({ namespace, retryDelayMs: 20 }),
        createMemoryBus({ namespace, retryDelayMs: 20 }),
      ];
    },
  },
  {
    name: 'redis',
    available: Boolean(redisUrl),
    replicas: () => {
      const prefix = `tgtest:${randomBytes(4).toString('hex')}`;
      return [createRedisBus({ url: redisUrl, prefix }), createRedisBus({ url: redisUrl, prefix })];
    },
  },
];

describe.each(implementations)('bus contract: $name', ({ available, replicas }) => {
  const open: Bus[] = [];
  const pair = () => {
    const buses = replicas();
    open.push(...buses);
    return buses;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  it.skipIf(!available)('pings', async () => {
    const [a] = pair();
    await expect(a.ping()).resolves.toBeUndefined();
  });

  it.skipIf(!available)('snapshot cache: set on one replica, read on the other, delete, expire', async () => {
    const [a, b] = pair();
    expect(await b.snapshots.get('gw:1')).toBeNull();
    await a.snapshots.set('gw:1', '{"v":1}', 60);
    expect(await b.snapshots.get('gw:1')).toBe('{"v":1}');
    await b.snapshots.delete('gw:1');
    expect(await a.snapshots.get('gw:1')).toBeNull();

    await a.snapshots.set('gw:short', 'x', 1);
    expect(await b.snapshots.get('gw:short')).toBe('x');
    await eventually(async () => expect(await b.snapshots.get('gw:short')).toBeNull(), 4_000);
  });

  it.skipIf(!available)(
    'invalidations reach every subscriber on every replica, and unsubscribe stops them',
    async () => {
      const [a, b] = pair();
      const seenA: InvalidationMessage[] = [];
      const seenB: InvalidationMessage[] = [];
      const offA = await a.invalidations.subscribe((m) => seenA.push(m));
      await b.invalidations.subscribe((m) => seenB.push(m));
      const message = { tenantId: randomUUID(), gatewayId: randomUUID(), reason: 'tools changed' };
      await a.invalidations.publish(message);
      await eventually(() => {
        expect(seenA).toEqual([message]);
        expect(seenB).toEqual([message]);
      });

      await offA();
      await b.invalidations.publish({ tenantId: message.tenantId, reason: 'tenant changed' });
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
    const id = randomUUID();
    expect(await b.revocations.has(id)).toBe(false);
    await a.revocations.add(id, 1);
    expect(await b.revocations.has(id)).toBe(true);
    await eventually(async () => expect(await b.revocations.has(id)).toBe(false), 4_000);
  });
});
