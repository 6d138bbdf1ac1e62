import { Redis } from 'ioredis';

/**
 * Everything a Redis server holds, as text (strings, lists, hashes, sets, sorted sets and
 * streams), for tests that check what must never be stored there (secrets, tokens).
 */
export async function redisContents(url: string): Promise<{ keys: number; text: string }> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const keys = await redis.keys('*');
    const parts: string[] = [];
    for (const key of keys) {
      switch (await redis.type(key)) {
        case 'string':
          parts.push((await redis.get(key)) ?? '');
          break;
        case 'list':
          parts.push(...(await redis.lrange(key, 0, -1)));
          break;
        case 'hash':
          parts.push(JSON.stringify(await redis.hgetall(key)));
          break;
        case 'set':
          parts.push(...(await redis.smembers(key)));
          break;
        case 'zset':
          parts.push(...(await redis.zrange(key, 0, -1)));
          break;
        case 'stream':
          parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
          break;
      }
    }
    return { keys: keys.length, text: parts.join('\n') };
  } finally {
    redis.disconnect();
  }
}
