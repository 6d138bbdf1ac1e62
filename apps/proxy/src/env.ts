import { zBool, zKeyRing, zLogLevel, zPort, zPostgresUrl, zRedisUrl } from '@toolgate/core/env';
import { z } from 'zod';

export const ZProxyEnv = z.object({
  DATABASE_URL: zPostgresUrl,
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
  MCP_BASE_HOST: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name such as mcp.example.com')
    .optional(),
  TOOLGATE_SESSION_KEYS: zKeyRing,
  TOOLGATE_SECRET_KEYS: zKeyRing,
  TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: zBool.default(false),
  /** Page size of tools/list; lists that fit one page carry no cursor. */
  MCP_LIST_PAGE_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** Bound on draining in-flight requests at SIGTERM. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
});
export type ProxyEnv = z.infer<typeof ZProxyEnv>;
