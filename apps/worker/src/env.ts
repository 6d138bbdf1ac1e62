import { zLogLevel, zMetricsToken, zPort, zPostgresUrl, zRedisUrl } from '@toolgate/core/env';
import { z } from 'zod';

export const ZWorkerEnv = z.object({
  DATABASE_URL: zPostgresUrl,
  REDIS_URL: zRedisUrl.optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Health and metrics endpoints. */
  WORKER_PORT: zPort.default(9100),
  LOG_LEVEL: zLogLevel.default('info'),
  /** Usage batches applied at once by this worker. */
  USAGE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Audit retention of tenants without an `auditRetentionDays` setting. */
  AUDIT_RETENTION_DEFAULT_DAYS: z.coerce.number().int().min(1).max(3_650).default(30),
  /** Per-minute rollups older than this are deleted. */
  USAGE_ROLLUP_RETENTION_DAYS: z.coerce.number().int().min(1).default(400),
  /** Applied usage batch ids are remembered this long (far past any redelivery). */
  USAGE_BATCH_ID_RETENTION_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .default(7 * 24),
  /**
   * At shutdown with the in-process bus (one machine), how long to keep applying queued usage
   * batches: that queue ends with the process. (BullMQ keeps its jobs for the next worker.)
   */
  USAGE_DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).default(5_000),
  /** How often expired usage data is deleted. */
  USAGE_RETENTION_INTERVAL_MS: z.coerce.number().int().min(1_000).default(3_600_000),
  /** Bearer token required on `/metrics`; unset leaves it open. */
  METRICS_TOKEN: zMetricsToken.optional(),
});
export type WorkerEnv = z.infer<typeof ZWorkerEnv>;
