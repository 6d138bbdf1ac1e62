import {
  zBool,
  zKeyRing,
  zLogLevel,
  zMcpBaseHost,
  zMetricsToken,
  zPort,
  zPostgresUrl,
  zRedisUrl,
} from '@toolgate/core/env';
import { refinePlansEnv, ZPlansEnvFields } from '@toolgate/core/plans-env';
import { z } from 'zod';

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** OTLP header lists: `key1=value1,key2=value2`, values URL-encoded (OpenTelemetry spec). */
const zOtlpHeaders = z
  .string()
  .regex(/^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/, 'must be "key1=value1,key2=value2"')
  .transform((v) =>
    Object.fromEntries(
      v.split(',').map((pair) => {
        const eq = pair.indexOf('=');
        return [pair.slice(0, eq).trim().toLowerCase(), decoded(pair.slice(eq + 1).trim())];
      }),
    ),
  );

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

const ZProxyEnvFields = z.object({
  DATABASE_URL: zPostgresUrl,
  /**
   * Bound on each Postgres query, client side: it fails even when the server never answers. Short:
   * the proxy reads Postgres only on a cache miss, and serves from cache when Postgres fails.
   * 0: unbounded.
   */
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(0).default(3_000),
  /** Postgres `statement_timeout` (server side), below the query timeout. 0: not sent (PgBouncer). */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(2_500),
  REDIS_URL: zRedisUrl.optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PROXY_PORT: zPort.default(4000),
  LOG_LEVEL: zLogLevel.default('info'),
  PUBLIC_MCP_URL: z.string().url().default('http://localhost:4000'),
  /** The OAuth authorization server named in protected-resource metadata. */
  PUBLIC_WEB_URL: z.string().url().default('http://localhost:3000'),
  /** Extra browser origins allowed to call gateways (comma-separated; "*" for any). */
  MCP_ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  /** Extra host names the proxy answers to (comma-separated), e.g. behind a load balancer. */
  MCP_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
  UPSTREAM_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  UPSTREAM_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  UPSTREAM_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(300_000),
  UPSTREAM_MAX_CONCURRENCY: z.coerce.number().int().min(1).default(32),
  /** Serve `{tenant}.{MCP_BASE_HOST}/mcp/{gateway}` in addition to path routing. */
  MCP_BASE_HOST: zMcpBaseHost.optional(),
  TOOLGATE_SESSION_KEYS: zKeyRing,
  TOOLGATE_SECRET_KEYS: zKeyRing,
  TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: zBool.default(false),
  /**
   * Local (stdio) servers run a command on this host. Off unless set (`toolgate start` with the
   * embedded database sets it): their tools, prompts and resources are then left out of lists and
   * refused, and no child process is ever started, whatever installations exist.
   */
  TOOLGATE_ALLOW_STDIO: zBool.default(false),
  /**
   * Self-hosted (stdio) servers run on runners (`toolgate runner`) announced on the bus: calls to
   * them go to the runner that hosts the installation, never to a child process of this proxy.
   * Takes precedence over TOOLGATE_ALLOW_STDIO.
   */
  TOOLGATE_RUNNERS: zBool.default(false),
  /**
   * A token naming a key id missing from a cached JWKS (ours or an identity provider's) reloads
   * that set at most this often.
   */
  JWKS_MIN_REFRESH_MS: z.coerce.number().int().min(0).default(30_000),
  /** Page size of tools/list; lists that fit one page carry no cursor. */
  MCP_LIST_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /**
   * How long an upstream call waits for a 2026-07-28 client to retry with the input the upstream
   * asked for (multi-round-trip requests), before it is abandoned.
   */
  MCP_INPUT_HOLD_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
  /**
   * How long a call a require_approval policy holds for admins (or a team's maintainers) waits for
   * a decision before the model is told it awaits approval (docs/policies.md).
   */
  APPROVAL_HOLD_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
  /** How long the events of a resumable SSE stream stay readable after its last event. */
  MCP_STREAM_BUFFER_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /** Events kept per resumable stream (the oldest go first). */
  MCP_STREAM_BUFFER_EVENTS: z.coerce.number().int().min(1).max(100_000).default(1_000),
  /** The SSE `retry` (ms) clients wait before resuming a stream. */
  MCP_SSE_RETRY_MS: z.coerce.number().int().min(0).max(600_000).default(1_000),
  /** Turn an answer still pending after this long into a resumable SSE stream; 0: never. */
  MCP_SSE_AFTER_MS: z.coerce.number().int().min(0).default(5_000),
  /** End SSE answer streams after this long (the client resumes them); 0: never. */
  MCP_STREAM_MAX_MS: z.coerce.number().int().min(0).default(0),
  /** How long 2026-07-28 clients may reuse `tools/list` and `server/discover` results (`ttlMs`). */
  MCP_LIST_TTL_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** Bound on draining in-flight requests at SIGTERM. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** Usage events per batch sent to the usage queue. */
  USAGE_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /** A partial batch goes after at most this long. */
  USAGE_FLUSH_INTERVAL_MS: z.coerce.number().int().min(10).default(1_000),
  /** Usage events held while the queue is unreachable; beyond it the oldest are dropped (and counted). */
  USAGE_BUFFER_MAX_EVENTS: z.coerce.number().int().min(1).default(20_000),
  /** Cap per audit field (arguments, result), in characters of JSON, after redaction. */
  USAGE_AUDIT_FIELD_MAX_CHARS: z.coerce
    .number()
    .int()
    .min(256)
    .default(8 * 1024),
  /** At shutdown, how long to keep trying to hand buffered usage events to the queue. */
  USAGE_DRAIN_TIMEOUT_MS: z.coerce.number().int().min(0).default(5_000),
  /** Bearer token required on `/metrics`; unset leaves it open (block it at the ingress then). */
  METRICS_TOKEN: zMetricsToken.optional(),
  /**
   * Tenant/gateway labels on per-message metrics: `none` (value "all"), `tenant` (tenant id),
   * `gateway` (tenant and gateway ids). `auto`: `gateway` on one machine (no REDIS_URL), else `none`.
   */
  METRICS_TENANT_LABELS: z.enum(['auto', 'none', 'tenant', 'gateway']).default('auto'),
  /** Tenants or gateways given their own label values; the rest are labelled "other". */
  METRICS_MAX_LABELLED: z.coerce.number().int().min(1).max(100_000).default(500),
  /** Tracing is on when an OTLP endpoint is set (`…/v1/traces` is appended to this one). */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** The full traces URL; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
  OTEL_EXPORTER_OTLP_HEADERS: zOtlpHeaders.optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: zOtlpHeaders.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('toolgate-proxy'),
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ])
    .default('parentbased_always_on'),
  /** The ratio of the `*traceidratio` samplers. */
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
  /** Turns tracing off whatever else is set. */
  OTEL_SDK_DISABLED: zBool.default(false),
  /** Plans (docs/billing.md): the proxy enforces their call limits and monthly quotas. */
  ...ZPlansEnvFields,
});
export const ZProxyEnv = ZProxyEnvFields.superRefine((env, ctx) => {
  statementBelowQueryTimeout(env, ctx);
  refinePlansEnv(env, ctx);
});
export type ProxyEnv = z.infer<typeof ZProxyEnv>;
