import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@toolgate/core/logger';
import { requestIdFrom } from '@toolgate/core/logger';
import { redactUrl } from '@toolgate/core/redact';
import { PEER_ADDRESS_HEADER } from './oauth/client-address.ts';

export interface WebServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

const WEB_DIR = fileURLToPath(new URL('../..', import.meta.url));

const PROBES = new Set(['/healthz', '/readyz']);
const ASSET = /\.(?:ico|png|jpe?g|gif|svg|webp|avif|css|js|map|woff2?|ttf|txt|webmanifest)$/i;

/**
 * Requests logged at `debug`, not `info`: load balancers' health and readiness probes (every few
 * seconds from each) and static assets (Next's bundles, icons), which would drown the requests
 * people make.
 */
export function isRoutineRequest(url: string | undefined): boolean {
  const path = (url ?? '/').split('?', 1)[0]!;
  return PROBES.has(path) || path.startsWith('/_next/') || ASSET.test(path);
}

/** The slice of Next's custom-server API used here. */
interface NextApp {
  prepare(): Promise<void>;
  getRequestHandler(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  close(): Promise<void>;
}
type CreateNextApp = (options: {
  dir: string;
  dev: boolean;
  hostname: string;
  port: number;
  quiet: boolean;
}) => NextApp;

/**
 * Next is loaded by name at run time: importing its types would pull Next's global
 * declarations (a required NODE_ENV in ProcessEnv) into every package that starts the web app.
 */
async function loadNext(): Promise<CreateNextApp> {
  const specifier: string = 'next';
  const mod = (await import(specifier)) as { default: CreateNextApp };
  return mod.default;
}

/**
 * Serves the built Next.js app from a plain Node server so it can share a process (and the
 * in-process bus) with the proxy and worker under `toolgate start`. Adds request ids and logs.
 */
export async function startWebServer({
  host,
  port,
  log,
  dev = false,
}: {
  host: string;
  port: number;
  log: Logger;
  dev?: boolean;
}): Promise<WebServer> {
  const next = await loadNext();
  const app = next({ dir: WEB_DIR, dev, hostname: host, port, quiet: true });
  await app.prepare();
  const handle = app.getRequestHandler();

  const server = createServer((req, res) => {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    req.headers['x-request-id'] = requestId;
    // Rate limits key on the peer; a client must not be able to choose it.
    req.headers[PEER_ADDRESS_HEADER] = req.socket.remoteAddress ?? '';
    res.setHeader('x-request-id', requestId);
    res.on('finish', () => {
      log[isRoutineRequest(req.url) ? 'debug' : 'info'](
        {
          requestId,
          method: req.method,
          url: redactUrl(req.url),
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    });
    handle(req, res).catch((err: unknown) => {
      log.error({ requestId, err }, 'unhandled web error');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error', requestId } }));
    });
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;

  return {
    server,
    url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${boundPort}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await app.close();
    },
  };
}
