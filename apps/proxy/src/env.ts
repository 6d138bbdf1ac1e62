import { zBool, zKeyRing, zLogLevel, zPort, zPostgresUrl, zRedisUrl } from '@toolgate/core/env';
import { z } from 'zod';

export const ZProxyEnv = z.object({
  DATABASE_URL: zPostgresUrl,
  REDIS_URL: zRedisUrl.optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PROXY_PORT: zPort.default(4000),
  LOG_LEVEL: zLogLevel.default('info'),
  PUBLIC_MCP_URL: z.string().url().default('http://localhost:4000'),
  /** Serve `{tenant}.{MCP_BASE_HOST}/mcp/{gateway}` in addition to path routing. */
  MCP_BASE_HOST: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name such as mcp.example.com')
    .optional(),
  TOOLGATE_SESSION_KEYS: zKeyRing,
  TOOLGATE_SECRET_KEYS: zKeyRing,
  TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: zBool.default(false),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** Bound on draining in-flight requests at SIGTERM. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
});
export type ProxyEnv = z.infer<typeof ZProxyEnv>;
