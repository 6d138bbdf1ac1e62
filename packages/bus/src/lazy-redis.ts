import type { RedisBusOptions } from './redis.ts';
import type { Bus, UsageConsumer } from './types.ts';

type Part = Exclude<keyof Bus, 'kind' | 'ping' | 'close'>;
type Methods<P extends Part> = readonly (keyof Bus[P] & string)[];

const METHODS: { [P in Part]: Methods<P> } = {
  sharedCache: ['get', 'set', 'delete', 'addToSet', 'members'],
  invalidations: ['publish', 'subscribe'],
  sessions: ['publish', 'subscribe'],
  usage: ['enqueue', 'stats'],
  quotas: ['increment', 'current'],
  revocations: ['add', 'has', 'hasAny', 'load'],
  configVersions: ['raise', 'get'],
  streamEvents: ['append', 'read'],
  runners: ['announce', 'withdraw', 'live'],
  rateLimits: ['check'],
};

type AnyMethod = (...args: unknown[]) => unknown;

/**
 * The Redis bus, its clients (ioredis, BullMQ: ~30 MiB) loaded on first need instead of by every
 * process that imports the bus, so one-machine deployments on the in-process bus never load
 * them. Until the module is in, calls wait for it; afterwards they go straight through.
 */
export function createLazyRedisBus(options: RedisBusOptions): Bus {
  let loaded: Bus | undefined;
  const ready = import('./redis.ts').then(({ createRedisBus }) => (loaded = createRedisBus(options)));
  // A failure to load surfaces on the first call that needs the bus.
  ready.catch(() => {});

  function part<P extends Part>(name: P): Bus[P] {
    const delegate: Record<string, AnyMethod> = {};
    for (const method of METHODS[name]) {
      delegate[method] = (...args) => {
        const call = (bus: Bus) => (bus[name][method] as AnyMethod).apply(bus[name], args);
        return loaded ? call(loaded) : ready.then(call);
      };
    }
    return delegate as unknown as Bus[P];
  }

  const usage = part('usage');
  return {
    kind: 'redis',
    sharedCache: part('sharedCache'),
    invalidations: part('invalidations'),
    sessions: part('sessions'),
    usage: {
      ...usage,
      consume(handler, consumeOptions): UsageConsumer {
        if (loaded) return loaded.usage.consume(handler, consumeOptions);
        const consumer = ready.then((bus) => bus.usage.consume(handler, consumeOptions));
        return { close: () => consumer.then((c) => c.close()) };
      },
    },
    quotas: part('quotas'),
    revocations: part('revocations'),
    configVersions: part('configVersions'),
    streamEvents: part('streamEvents'),
    runners: part('runners'),
    rateLimits: part('rateLimits'),
    ping: () => (loaded ? loaded.ping() : ready.then((bus) => bus.ping())),
    close: () => ready.then((bus) => bus.close()),
  };
}
