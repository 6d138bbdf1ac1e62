import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyRing } from '@toolgate/core/crypto';
import { isRunnerKey } from '@toolgate/core/runner-auth';
import type { Database } from '@toolgate/db/client';
import { installations, registryEntries } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';

/**
 * The log endpoint of apps/runner's HTTP contract (apps/runner/README.md), for tests of
 * packages/api, which may not import the runner: `GET /tenants/{t}/servers/{i}/log` with the
 * runner key (401 before anything is looked up), the installation read from Postgres (404 when
 * missing or another tenant's, 409 when not stdio or disabled) unless it already ran here, NDJSON
 * lines and `x-server-state`. What "ran here" is a test sets with `host`.
 */
export interface RunnerLogServer {
  url: string;
  /** Paths and query strings asked for, in order. */
  requests: string[];
  /** The installation ran here: its state and lines (as the runner keeps them, per tenant). */
  host(tenantId: string, installationId: string, state: string, lines: unknown[]): void;
  /** Instead of answering: hold requests open (a runner that hangs), or answer this raw body. */
  misbehave(
    mode: { hang: true } | { status: number; body: string; headers?: Record<string, string> } | null,
  ): void;
  close(): Promise<void>;
}

const ROUTE = /^\/tenants\/([^/]+)\/servers\/([^/]+)\/log$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function startRunnerLogServer(db: Database, ring: KeyRing): Promise<RunnerLogServer> {
  const hosted = new Map<string, { state: string; lines: unknown[] }>();
  const requests: string[] = [];
  const held: ServerResponse[] = [];
  let mode: Parameters<RunnerLogServer['misbehave']>[0] = null;

  const error = (res: ServerResponse, status: number, code: string, message: string, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ error: { code, message } }));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    requests.push(req.url ?? '/');
    if (mode && 'hang' in mode) return void held.push(res);
    if (mode) {
      res.writeHead(mode.status, mode.headers ?? {});
      return void res.end(mode.body);
    }
    const match = ROUTE.exec((req.url ?? '/').split('?', 1)[0]!);
    if (!match) return error(res, 404, 'NOT_FOUND', 'no such endpoint');
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!isRunnerKey(ring, bearer))
      return error(res, 401, 'UNAUTHORIZED', 'the runner key is required (Authorization: Bearer …)', {
        'www-authenticate': 'Bearer realm="toolgate-runner"',
      });
    const [, tenantId, installationId] = match as unknown as [string, string, string];
    let host = hosted.get(`${tenantId}/${installationId}`);
    if (!host) {
      const notFound = () => error(res, 404, 'NOT_FOUND', `no installation ${installationId} in this tenant`);
      if (!UUID.test(tenantId) || !UUID.test(installationId)) return notFound();
      const [row] = await db
        .select({ enabled: installations.enabled, transport: registryEntries.transport })
        .from(installations)
        .innerJoin(registryEntries, eq(registryEntries.id, installations.registryEntryId))
        .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)));
      if (!row) return notFound();
      if (row.transport !== 'stdio')
        return error(
          res,
          409,
          'CONFLICT',
          `installation ${installationId} is not a self-hosted (stdio) server`,
        );
      if (!row.enabled) return error(res, 409, 'CONFLICT', `installation ${installationId} is disabled`);
      host = { state: 'stopped', lines: [] };
    }
    const body = host.lines.map((l) => JSON.stringify(l));
    res.writeHead(200, {
      'content-type': 'application/x-ndjson',
      'cache-control': 'no-store',
      'x-server-state': host.state,
    });
    res.end(body.length > 0 ? `${body.join('\n')}\n` : '');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => error(res, 500, 'INTERNAL', 'the runner could not handle this request'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    host: (tenantId, installationId, state, lines) =>
      hosted.set(`${tenantId}/${installationId}`, { state, lines }),
    misbehave: (m) => (mode = m),
    async close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
