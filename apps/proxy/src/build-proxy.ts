import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Bus } from '@toolgate/bus';
import { parseKeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import { requestIdFrom } from '@toolgate/core/logger';
import { checkReadiness } from '@toolgate/core/readiness';
import type { DbHandle } from '@toolgate/db/client';
import { createSsrfGuard } from '@toolgate/mcp/ssrf-guard';
import { createUpstreamPool, type UpstreamPool } from '@toolgate/mcp/upstream';
import { ApiTokenAuthenticator } from './auth/api-token-authenticator.ts';
import { AuthenticatorChain } from './auth/principal.ts';
import { Catalog } from './catalog.ts';
import type { ProxyEnv } from './env.ts';
import { sendJson, sendProxyError } from './http-util.ts';
import { LegacySseEndpoint } from './legacy-sse.ts';
import { McpEndpoint } from './mcp-endpoint.ts';
import { parseRoute, type GatewayRoute } from './routes.ts';
import { SnapshotStore } from './snapshot-store.ts';
import { ToolCaller } from './tool-caller.ts';
import { UpstreamTargets } from './upstream-target.ts';

export const PROXY_VERSION = '0.1.0';
const TOKEN_USAGE_FLUSH_MS = 30_000;

/** Host names the proxy serves: IP literals, localhost, the public host, the base host's tenants. */
export function hostAllowList(env: Pick<ProxyEnv, 'PUBLIC_MCP_URL' | 'MCP_BASE_HOST' | 'MCP_ALLOWED_HOSTS'>) {
  const exact = new Set([
    'localhost',
    new URL(env.PUBLIC_MCP_URL).hostname.toLowerCase(),
    ...env.MCP_ALLOWED_HOSTS,
  ]);
  const base = env.MCP_BASE_HOST?.split(':')[0]?.toLowerCase();
  return (hostname: string): boolean => {
    const h = hostname.toLowerCase();
    return exact.has(h) || isIP(h) !== 0 || (base !== undefined && (h === base || h.endsWith(`.${base}`)));
  };
}

export interface ProxyDeps {
  env: ProxyEnv;
  db: DbHandle;
  bus: Bus;
  log: Logger;
  /** Tests may share or inspect a pool; by default the proxy owns one. */
  pool?: UpstreamPool;
}

export interface Proxy {
  server: Server;
  store: SnapshotStore;
  endpoint: McpEndpoint;
  /** The HTTP+SSE transport of 2024-11-05 (`…/sse`, `…/messages`). */
  legacy: LegacySseEndpoint;
  pool: UpstreamPool;
  tokens: ApiTokenAuthenticator;
  /** Subscribes to invalidations; call before listening. */
  start(): Promise<void>;
  /** Stop accepting, let in-flight requests finish (bounded by the grace period), then close. */
  drain(graceMs: number): Promise<void>;
}

/** Builds the MCP proxy's HTTP server without listening (tests listen on port 0). */
export function buildProxy({ env, db, bus, log, pool: givenPool }: ProxyDeps): Proxy {
  let draining = false;
  let usageTimer: NodeJS.Timeout | undefined;
  const store = new SnapshotStore({ db, bus, log });
  const tokens = new ApiTokenAuthenticator({ db, bus, log });
  const ssrf = createSsrfGuard({ allowPrivate: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS });
  const pool =
    givenPool ??
    createUpstreamPool({
      clientInfo: { name: 'toolgate', version: PROXY_VERSION },
      connectTimeoutMs: env.UPSTREAM_CONNECT_TIMEOUT_MS,
      callTimeoutMs: env.UPSTREAM_CALL_TIMEOUT_MS,
      idleTimeoutMs: env.UPSTREAM_IDLE_TIMEOUT_MS,
      maxConcurrency: env.UPSTREAM_MAX_CONCURRENCY,
      checkUrl: ssrf,
      lookup: ssrf.lookup,
    });
  const targets = new UpstreamTargets(parseKeyRing(env.TOOLGATE_SECRET_KEYS));
  const catalog = new Catalog(pool, targets);
  const endpoint = new McpEndpoint({
    store,
    auth: new AuthenticatorChain([tokens]),
    bus,
    sessionKeys: parseKeyRing(env.TOOLGATE_SESSION_KEYS),
    tools: new ToolCaller(pool, targets, catalog),
    catalog,
    log,
    maxBodyBytes: env.MAX_BODY_BYTES,
    allowedOrigins: env.MCP_ALLOWED_ORIGINS,
    isAllowedHost: hostAllowList(env),
    serverVersion: PROXY_VERSION,
    listPageSize: env.MCP_LIST_PAGE_SIZE,
  });
  const legacy = new LegacySseEndpoint({
    bus,
    sessionKeys: parseKeyRing(env.TOOLGATE_SESSION_KEYS),
    log,
    maxBodyBytes: env.MAX_BODY_BYTES,
    allowedOrigins: env.MCP_ALLOWED_ORIGINS,
    isAllowedHost: hostAllowList(env),
    authenticate: (req, res, gatewayRoute) => endpoint.authenticateCaller(req, res, gatewayRoute),
    dispatch: (caller, message, send, context) => endpoint.dispatchLegacy(caller, message, send, context),
  });
  store.onInvalidation((message) => {
    if (message.tokenHash) tokens.forget(message.tokenHash);
  });

  const server = createServer((req, res) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    route(req, res, requestId).catch((err: unknown) => {
      log.error({ requestId, err }, 'unhandled proxy error');
      if (!res.headersSent)
        sendJson(res, 500, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32603, message: 'Internal error', data: { requestId } },
        });
      else res.end();
    });
  });
  server.keepAliveTimeout = 65_000;

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      if (draining) return sendJson(res, 503, { ready: false, checks: {}, draining: true });
      const report = await checkReadiness({ database: () => db.ping(), bus: () => bus.ping() });
      return sendJson(res, report.ready ? 200 : 503, report);
    }
    const parsed = parseRoute(path, req.headers.host, {
      publicMcpUrl: env.PUBLIC_MCP_URL,
      baseHost: env.MCP_BASE_HOST,
    });
    if (parsed.kind === 'mcp') return endpoint.handle(req, res, parsed.route, requestId);
    if (parsed.kind === 'legacy-sse' || parsed.kind === 'legacy-message') {
      return legacy.handle(req, res, parsed.kind, parsed.route, requestId);
    }
    if (parsed.kind === 'metadata') return protectedResourceMetadata(res, parsed.route);
    sendProxyError(res, 'NOT_FOUND_ROUTE');
  }

  /** RFC 9728: which authorization server issues tokens for this gateway. */
  function protectedResourceMetadata(res: ServerResponse, gatewayRoute: GatewayRoute): void {
    sendJson(
      res,
      200,
      {
        resource: gatewayRoute.resourceUrl,
        authorization_servers: [env.PUBLIC_WEB_URL],
        bearer_methods_supported: ['header'],
        scopes_supported: ['mcp:tools', 'mcp:read'],
        resource_name: `Toolgate gateway ${gatewayRoute.tenantSlug}/${gatewayRoute.gatewaySlug}`,
      },
      { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' },
    );
  }

  return {
    server,
    store,
    endpoint,
    legacy,
    pool,
    tokens,
    async start() {
      await store.start();
      usageTimer = setInterval(() => void tokens.flushUsage(), TOKEN_USAGE_FLUSH_MS);
      usageTimer.unref();
    },
    async drain(graceMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets become idle as in-flight calls finish; close them as they do.
      const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      endpoint.streams.closeAll();
      legacy.closeAll();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, graceMs);
      });
      await Promise.race([Promise.all([closed, legacy.settled()]), deadline]);
      clearTimeout(timer);
      clearInterval(idleSweep);
      clearInterval(usageTimer);
      await tokens.flushUsage();
      await store.stop();
      if (!givenPool) await pool.close();
    },
  };
}
