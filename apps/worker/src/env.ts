import { zLogLevel, zPort, zPostgresUrl, zRedisUrl } from '@toolgate/core/env';
import { z } from 'zod';

export const ZWorkerEnv = z.object({
  DATABASE_URL: zPostgresUrl,
  REDIS_URL: zRedisUrl.optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Health and metrics endpoints. */
  WORKER_PORT: zPort.default(9100),
  LOG_LEVEL: zLogLevel.default('info'),
  USAGE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
});
export type WorkerEnv = z.infer<typeof ZWorkerEnv>;
