import { createBus, createLinkedBus, processLink } from '@toolgate/bus';
import { createLogger } from '@toolgate/core/logger';
import { cliEnv } from '../env.ts';
import type { ProxyReady } from '../proxy-supervisor.ts';
import { onShutdown, resolveKeys } from '../runtime.ts';
import { runProxy } from '../services.ts';

/**
 * `toolgate proxy --supervised`: the proxy process `toolgate start` forks (proxy-supervisor.ts).
 * The parent has opened and migrated the database and passes its URL and the key rings; the bus
 * is the parent's, over the IPC channel (or Redis, when one is configured). The process ends
 * when its parent does.
 */
export async function proxyChildCommand(): Promise<number> {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write(
      'toolgate: `proxy --supervised` runs only as the proxy process of `toolgate start`\n',
    );
    return 64; // EX_USAGE
  }
  const env = cliEnv();
  const log = createLogger({ name: 'toolgate', level: env.LOG_LEVEL });
  if (!env.DATABASE_URL) throw new Error('the supervised proxy needs DATABASE_URL from its parent');
  const bus = env.REDIS_URL ? createBus({ redisUrl: env.REDIS_URL }) : createLinkedBus(processLink(process));
  const proxy = await runProxy({
    cli: env,
    databaseUrl: env.DATABASE_URL,
    keys: await resolveKeys(env),
    bus,
  });
  onShutdown(log, () => proxy.stop());
  process.once('disconnect', () => {
    // The parent holds the database and the bus: without it this process can serve nothing.
    log.warn('toolgate start is gone; the proxy process exits with it');
    process.exit(1);
  });
  const ready: ProxyReady = { toolgate: 'proxy-ready', url: proxy.url, publicUrl: proxy.publicUrl };
  send(ready);
  return -1;
}
