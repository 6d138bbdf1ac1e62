import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { requestIdFrom } from '@toolgate/core/logger';
import { checkReadiness } from '@toolgate/core/readiness';
import type { DbHandle } from '@toolgate/db/client';
import type { ProxyEnv } from './env.ts';

export interface ProxyDeps {
  env: ProxyEnv;
  db: DbHandle;
  bus: Bus;
  log: Logger;
}

export interface Proxy {
  server: Server;
  /** Stop accepting, let in-flight requests finish (bounded by the grace period), then close. */
  drain(graceMs: number): Promise<void>;
}

/** Builds the MCP proxy's HTTP server without listening (tests listen on port 0). */
export function buildProxy({ db, bus, log }: ProxyDeps): Proxy {
  let draining = false;

  const server = createServer((req, res) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    route(req, res, requestId).catch((err: unknown) => {
      log.error({ requestId, err }, 'unhandled proxy error');
      sendJson(res, 500, { error: { code: 'INTERNAL', message: 'internal error', requestId } });
    });
  });
  server.keepAliveTimeout = 65_000;

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      if (draining) return sendJson(res, 503, { ready: false, checks: {}, draining: true });
      const report = await checkReadiness({ database: () => db.ping(), bus: () => bus.ping() });
      return sendJson(res, report.ready ? 200 : 503, report);
    }
    sendJson(res, 404, {
      error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${path}`, requestId },
    });
  }

  return {
    server,
    async drain(graceMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          server.closeAllConnections();
          resolve();
        }, graceMs);
      });
      await Promise.race([closed, deadline]);
      clearTimeout(timer);
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
