import { fileURLToPath } from 'node:url';
import { startBenchChild } from './child-process.ts';

export interface GatewayHandle {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  databaseUrl: string;
  redisUrl: string | undefined;
  busPrefix: string;
  sessionKeys: string;
  secretKeys: string;
  path: string;
  home: string;
  nodeArgs: string[];
  /**
   * BENCH_RUNNER: TOOLGATE_RUNNERS=true, so stdio installations go to the runner announced on
   * the bus (REDIS_URL with BENCH_BUS_PREFIX), never to a child of the gateway.
   */
  runners?: boolean;
}

/**
 * The gateway's public URLs, set explicitly: the proxy derives each gateway's resource URL (the
 * `aud` of OAuth access tokens) from PUBLIC_MCP_URL and its issuer from PUBLIC_WEB_URL. Nominal —
 * the bench calls the gateway on 127.0.0.1 and its real port, which path routing ignores.
 */
export const PUBLIC_MCP_URL = 'http://localhost:4000';
export const PUBLIC_WEB_URL = 'http://localhost:3000';

const ENTRY = fileURLToPath(new URL('./gateway-process.ts', import.meta.url));

/** Spawns bench/gateway-process.ts (node --import tsx) and resolves with its URL once it listens. */
export async function startGateway(options: GatewayOptions): Promise<GatewayHandle> {
  const child = await startBenchChild<{ port: number }>(
    'gateway',
    ENTRY,
    {
      PATH: options.path,
      HOME: options.home,
      DATABASE_URL: options.databaseUrl,
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
      BENCH_BUS_PREFIX: options.busPrefix,
      TOOLGATE_SESSION_KEYS: options.sessionKeys,
      TOOLGATE_SECRET_KEYS: options.secretKeys,
      TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: 'true',
      // stdio mode: the gateway starts server-everything itself.
      TOOLGATE_ALLOW_STDIO: 'true',
      ...(options.runners ? { TOOLGATE_RUNNERS: 'true' } : {}),
      HOST: '127.0.0.1',
      PROXY_PORT: '0',
      PUBLIC_MCP_URL,
      PUBLIC_WEB_URL,
      LOG_LEVEL: 'warn',
      UPSTREAM_CALL_TIMEOUT_MS: '30000',
    },
    options.nodeArgs,
  );
  return { url: `http://127.0.0.1:${child.ready.port}`, pid: child.pid, stop: () => child.stop() };
}
