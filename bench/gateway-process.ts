import type { AddressInfo } from 'node:net';
import { createBus } from '@toolgate/bus';
import { createLogger } from '@toolgate/core/logger';
import { createDb } from '@toolgate/db/client';
import { buildProxy } from '@toolgate/proxy/build-proxy';
import { gatewayProcessEnv } from './env.ts';

/**
 * The gateway under test, alone in its process so that /proc/<pid>/stat measures its CPU only.
 * Started by gateway-handle.ts with the proxy's usual environment; reports its port over IPC.
 */
const env = gatewayProcessEnv();
const log = createLogger({ name: 'bench-gateway', level: env.LOG_LEVEL, pretty: false });
const db = createDb({ url: env.DATABASE_URL, max: 4, applicationName: 'toolgate-bench-gateway' });
const bus = createBus({ redisUrl: env.REDIS_URL, prefix: env.busPrefix });
const proxy = buildProxy({ env, db, bus, log });
// With the in-process bus no worker runs here: usage batches would pile up in this process's
// memory. Drop them, as if a worker elsewhere consumed them (it costs the gateway nothing).
const discardUsage = bus.kind === 'memory' ? bus.usage.consume(() => Promise.resolve()) : undefined;

await proxy.start();
await new Promise<void>((resolve) => proxy.server.listen(env.PROXY_PORT, env.HOST, resolve));
const { port } = proxy.server.address() as AddressInfo;
process.send?.({ port });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await proxy.drain(1_000);
  await discardUsage?.close();
  await bus.close();
  await db.close();
  // Exiting normally (not by signal) lets --cpu-prof write its profile.
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => void stop());
