import { createBus } from '@toolgate/bus';
import { createLogger } from '@toolgate/core/logger';
import { createDb } from '@toolgate/db/client';
import { buildWorker } from '@toolgate/worker/build-worker';
import { usageWorkerProcessEnv } from './env.ts';

/**
 * One worker, alone in its process so /proc/<pid>/stat measures its CPU only. Started by
 * usage.ts with the worker's usual environment; says "ready" over IPC once consuming.
 */
const env = usageWorkerProcessEnv();
const log = createLogger({ name: 'bench-worker', level: env.LOG_LEVEL, pretty: false });
const db = createDb({ url: env.DATABASE_URL, applicationName: 'toolgate-bench-worker', max: 4 });
const bus = createBus({ redisUrl: env.REDIS_URL, prefix: env.busPrefix });
const worker = buildWorker({ env, db, bus, log });
worker.start();
process.send?.({ ready: true });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await worker.stop();
  await bus.close();
  await db.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('disconnect', () => void stop());
