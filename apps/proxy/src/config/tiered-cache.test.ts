import { createBus } from '@toolgate/bus';
import { createLogger } from '@toolgate/core/logger';
import { describe, expect, it } from 'vitest';
import { TieredCache, type TierEvent } from './tiered-cache.ts';

const log = createLogger({ name: 'tiered-cache-test', level: 'silent', pretty: false });

function cache(extra: Partial<ConstructorParameters<typeof TieredCache<number, number>>[0]> = {}) {
  const bus = createBus({ prefix: `tc-${Math.random()}` });
  const events: TierEvent[] = [];
  const tiers = new TieredCache<number, number>({
    bus,
    log,
    what: 'number',
    maxEntries: 10,
    localTtlMs: () => 60_000,
    sharedTtlSeconds: () => 60,
    prepare: (n) => n,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { bus, tiers, events };
}

describe('TieredCache', () => {
  it('loads a key once however many ask at the same time, then answers from memory', async () => {
    const { tiers, events } = cache();
    let loads = 0;
    const load = async () => ++loads;
    const answers = await Promise.all([tiers.get('k', load), tiers.get('k', load), tiers.get('k', load)]);
    expect(answers).toEqual([1, 1, 1]);
    expect(loads).toBe(1);
    expect(tiers.get('k', load)).toBe(1);
    expect(events.filter((e) => e === 'load')).toHaveLength(1);
    expect(events.at(-1)).toBe('hit');
  });

  it('takes what another replica stored in the shared cache, unless it is stale', async () => {
    const { bus, tiers } = cache({ isStale: (n) => n < 5 });
    await bus.sharedCache.set('fresh', '7', 60);
    await bus.sharedCache.set('old', '3', 60);
    expect(await tiers.get('fresh', () => Promise.resolve(100))).toBe(7);
    expect(await tiers.get('old', () => Promise.resolve(9))).toBe(9);
    // The stale copy was replaced by what was loaded.
    expect(await bus.sharedCache.get('old')).toBe('9');
  });

  it('serves the last good value when the source fails, only if asked to', async () => {
    const failing = () => Promise.reject(new Error('database down'));
    const keeping = cache({ serveStaleOnError: () => true });
    await keeping.tiers.get('k', () => Promise.resolve(1));
    keeping.tiers.forget('k');
    await keeping.bus.sharedCache.delete('k');
    expect(await keeping.tiers.get('k', failing)).toBe(1);
    expect(keeping.events).toContain('stale_served');

    const strict = cache();
    await strict.tiers.get('k', () => Promise.resolve(1));
    strict.tiers.forget('k');
    await strict.bus.sharedCache.delete('k');
    await expect(strict.tiers.get('k', failing)).rejects.toThrow('database down');
  });

  it('forgets matching values here, outage copies included', async () => {
    const { bus, tiers } = cache({ serveStaleOnError: () => true });
    await tiers.get('a', () => Promise.resolve(1));
    await tiers.get('b', () => Promise.resolve(2));
    tiers.forgetWhere((value) => value === 1);
    expect(tiers.peek('a')).toBeUndefined();
    expect(tiers.peek('b')).toBe(2);
    await bus.sharedCache.delete('a');
    await expect(tiers.get('a', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
  });
});
