import {
  refineBillingEnv,
  refinePlansEnv,
  ZBillingEnvFields,
  ZPlansEnvFields,
} from '@toolgate/core/plans-env';
import {
  zBool,
  zKeyRing,
  zLogLevel,
  zMetricsToken,
  zPort,
  zPostgresUrl,
  zRedisUrl,
} from '@toolgate/core/env';
import { z } from 'zod';

/** The server's own timeout fires first, so a live server answers with its clearer error. */
function statementBelowQueryTimeout(
  env: { DATABASE_QUERY_TIMEOUT_MS: number; DATABASE_STATEMENT_TIMEOUT_MS: number },
  ctx: z.RefinementCtx,
): void {
  const query = env.DATABASE_QUERY_TIMEOUT_MS;
  if (query > 0 && env.DATABASE_STATEMENT_TIMEOUT_MS >= query) {
    ctx.addIssue({
      code: 'custom',
      path: ['DATABASE_STATEMENT_TIMEOUT_MS'],
      message: `must be below DATABASE_QUERY_TIMEOUT_MS (${query}), or 0`,
    });
  }
}

const ZWorkerEnvFields = z.object({
  DATABASE_URL: zPostgresUrl,
  /**
   * Bound on each Postgres query, client side: it fails even when the server never answers (the
   * batch is retried). Room for usage writes and chunked retention deletes. 0: unbounded.
   */
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  /** Postgres `statement_timeout` (server side), below the query timeout. 0: not sent (PgBouncer). */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(25_000),
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
  /**
   * How often each enabled remote installation is health-checked (an MCP handshake with its
   * credential); its status becomes ready, unreachable, auth_failed or error. 0: no checks.
   */
  INSTALLATION_HEALTH_INTERVAL_MS: z.coerce.number().int().min(0).default(300_000),
  /** Connected accounts whose access token expires within this are refreshed ahead of time; 0: off. */
  CONNECTION_REFRESH_AHEAD_MS: z.coerce.number().int().min(0).default(300_000),
  /** How often the worker looks for connected accounts due a refresh. */
  CONNECTION_REFRESH_INTERVAL_MS: z.coerce.number().int().min(1_000).default(30_000),
  /** Opens installation credentials for health checks; without it, installations with secrets are reported as errors. */
  TOOLGATE_SECRET_KEYS: zKeyRing.optional(),
  /**
   * The authorization server's public URL (as the proxies have it): the issuer of the Forwarded JWTs
   * health checks send to `jwt` servers.
   */
  PUBLIC_WEB_URL: z.string().url().default('http://localhost:3000'),
  /**
   * Let health checks, and approval webhooks, reach private and loopback addresses, as the proxies
   * may (webhooks over plain http to this machine only).
   */
  TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: zBool.default(false),
  /**
   * Outgoing mail (approvers are told of new approval requests, admins of servers whose version
   * changed). Unset: nobody is emailed.
   */
  SMTP_URL: z
    .string()
    .url()
    .refine((v) => /^smtps?:\/\//.test(v), 'must be an smtp:// or smtps:// URL')
    .optional(),
  /** The From address of that mail, e.g. "Toolgate <no-reply@example.com>". */
  MAIL_FROM: z.string().includes('@', { message: 'must contain an email address' }).optional(),
  /** Without SMTP, also write each message as a JSON file here (as the web app does). */
  TOOLGATE_MAIL_OUTBOX_DIR: z.string().optional(),
  /** How often new and decided approval requests are looked for to announce; 0: never. */
  APPROVAL_ANNOUNCE_INTERVAL_MS: z.coerce.number().int().min(0).default(1_000),
  /** Bound on one approval webhook POST. */
  APPROVAL_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5_000),
  /** How often tenants' monthly tool calls are compared with their quota (80% / 100% emails); 0: never. */
  QUOTA_NOTICE_INTERVAL_MS: z.coerce.number().int().min(0).default(300_000),
  /** How often tool calls are reported to the Stripe billing meter (with Stripe on); 0: never. */
  BILLING_METER_INTERVAL_MS: z.coerce.number().int().min(0).default(600_000),
  /** How often past_due subscriptions whose grace ended are dropped to the free plan; 0: never. */
  BILLING_SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(600_000),
});
export const ZWorkerEnv = ZWorkerEnvFields.extend({ ...ZPlansEnvFields, ...ZBillingEnvFields }).superRefine(
  (env, ctx) => {
    refinePlansEnv(env, ctx);
    refineBillingEnv(env, ctx);
    statementBelowQueryTimeout(env, ctx);
    if (env.SMTP_URL && !env.MAIL_FROM)
      ctx.addIssue({ code: 'custom', path: ['MAIL_FROM'], message: 'required when SMTP_URL is set' });
  },
);
export type WorkerEnv = z.infer<typeof ZWorkerEnv>;
