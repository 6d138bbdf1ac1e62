import { createServer, type Server } from 'node:http';
import type { Bus, UsageConsumer } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { checkReadiness } from '@toolgate/core/readiness';
import type { DbHandle } from '@toolgate/db/client';
import type { WorkerEnv } from './env.ts';

export interface WorkerDeps {
  env: WorkerEnv;
  db: DbHandle;
  bus: Bus;
  log: Logger;
}

export interface Worker {
  /** Health and readiness (and, later, metrics) on the worker's port. */
  server: Server;
  start(): void;
  stop(): Promise<void>;
}

/** Builds the background worker: queue consumers plus its small HTTP endpoint. */
export function buildWorker({ db, bus }: WorkerDeps): Worker {
  const consumers: UsageConsumer[] = [];
  let stopping = false;

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/healthz') return send(200, { status: 'ok' });
    if (path === '/readyz') {
      if (stopping) return send(503, { ready: false, checks: {}, draining: true });
      checkReadiness({ database: () => db.ping(), bus: () => bus.ping() }).then(
        (report) => send(report.ready ? 200 : 503, report),
        () => send(503, { ready: false, checks: {} }),
      );
      return;
    }
    send(404, { error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${path}` } });
  });

  return {
    server,
    start() {
      // Queue consumers register here as their features land (usage persistence, discovery…).
    },
    async stop() {
      stopping = true;
      await Promise.all(consumers.map((c) => c.close()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
