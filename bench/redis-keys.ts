import { Redis } from 'ioredis';

/**
 * With BENCH_REDIS_URL, a gateway's usage batches wait in its BullMQ queue (no worker runs in the
 * bench) and a runner's announcement outlives it by its TTL: remove the run's keys (`{prefix}:*`)
 * once its processes have stopped, so the shared Redis keeps nothing of the bench.
 */
export async function removeBusKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
