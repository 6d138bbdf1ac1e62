import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parseKeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import { ReadinessProbe } from '@toolgate/core/readiness';
import type { DbHandle } from '@toolgate/db/client';
import { ProxySessions } from './bridge/proxy-sessions.ts';
import type { RunnerEnv } from './env.ts';
import { sendError } from './http/http-errors.ts';
import { serveLog } from './http/log-endpoint.ts';
import { serveMcp } from './http/mcp-endpoint.ts';
import { hasRunnerKey } from './http/runner-auth.ts';
import type { Backoff } from './lifecycle/backoff.ts';
import { ServerHosts } from './lifecycle/server-hosts.ts';
import { variantOf } from './http/variant.ts';
import { PackageInstaller } from './packages/package-installer.ts';
import { loadStdioInstallation, recordPackageVersion } from './registry/load-installation.ts';
import type { SandboxBackend } from './sandbox/sandbox-spec.ts';

export interface RunnerDeps {
  env: RunnerEnv;
  db: DbHandle;
  log: Logger;
  /** Made from RUNNER_BACKEND by `createBackend` (server.ts); tests pass their own. */
  backend: SandboxBackend;
  /** Tests shorten the restart back-off. */
  backoff?: Partial<Backoff>;
  /** Readiness checks besides Postgres: `redis` when it announces itself there. */
  checks?: Record<string, () => Promise<void>>;
}

export interface Runner {
  server: Server;
  hosts: ServerHosts;
  sessions: ProxySessions;
  /** Stops every server and closes every session (the HTTP server is closed by its owner). */
  close(): Promise<void>;
}

/** The runner's package cache (packaged entries), in its data dir: the sandbox backend shows one folder of it. */
export const packagesDir = (dataDir: string): string => join(dataDir, 'packages');

const ROUTE = /^\/tenants\/([^/]+)\/servers\/([^/]+)\/(mcp|log)$/;

/**
 * The runner's HTTP server, not yet listening: `/tenants/{tenantId}/servers/{installationId}/mcp`
 * (Streamable HTTP to the installation's server) and `…/log` (its recent stderr, JSON lines), both
 * for proxies and the control plane holding the runner key only; `/healthz`, `/readyz`.
 */
export function buildRunner(deps: RunnerDeps): Runner {
  const { env, db, log } = deps;
  const ring = parseKeyRing(env.TOOLGATE_SECRET_KEYS);
  const hosts = new ServerHosts({
    backend: deps.backend,
    log,
    load: (tenantId, installationId, variant) =>
      loadStdioInstallation({ db: db.db, ring, tenantId, installationId, variant }),
    installer: new PackageInstaller({
      dir: packagesDir(env.RUNNER_DATA_DIR),
      npmHome: join(env.RUNNER_DATA_DIR, 'npm'),
      registry: env.RUNNER_NPM_REGISTRY,
      timeoutMs: env.RUNNER_NPM_INSTALL_TIMEOUT_MS,
      log,
    }),
    recordVersion: (tenantId, installationId, version) =>
      recordPackageVersion({ db: db.db, tenantId, installationId, version }),
    dataDir: env.RUNNER_DATA_DIR,
    readOnlyPaths: env.RUNNER_READONLY_PATHS,
    limits: {
      memoryBytes: env.RUNNER_MEMORY_BYTES,
      cpuPercent: env.RUNNER_CPU_PERCENT,
      maxProcesses: env.RUNNER_MAX_PROCESSES,
    },
    idleStopMs: env.RUNNER_IDLE_STOP_MS,
    startTimeoutMs: env.RUNNER_START_TIMEOUT_MS,
    callTimeoutMs: env.RUNNER_CALL_TIMEOUT_MS,
    pingIntervalMs: env.RUNNER_PING_INTERVAL_MS,
    maxStdoutBytes: env.RUNNER_MAX_STDOUT_BYTES,
    ...(deps.backoff ? { backoff: deps.backoff } : {}),
  });
  const sessions = new ProxySessions(env.RUNNER_SESSION_IDLE_MS);
  const readiness = new ReadinessProbe({ checks: { postgres: () => db.ping(), ...deps.checks } });
  const mcpDeps = { hosts, sessions, log, maxBodyBytes: env.RUNNER_MAX_BODY_BYTES };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const report = await readiness.check();
      return json(res, report.ready ? 200 : 503, report);
    }
    const match = ROUTE.exec(path);
    if (!match) return sendError(res, 404, 'NOT_FOUND', 'no such endpoint');
    // Before anything else, even before telling whether the installation exists.
    if (!hasRunnerKey(req, ring))
      return sendError(res, 401, 'UNAUTHORIZED', 'the runner key is required (Authorization: Bearer …)', {
        'www-authenticate': 'Bearer realm="toolgate-runner"',
      });
    const [, tenantId, installationId, what] = match as unknown as [string, string, string, string];
    const variant = variantOf(req.url);
    if (!variant)
      return sendError(res, 400, 'INVALID', 'variant must be canary (or absent for the stable server)');
    if (what === 'log') return serveLog({ hosts }, req, res, tenantId, installationId, variant);
    return serveMcp(mcpDeps, req, res, tenantId, installationId, variant);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      log.error({ err: error, url: req.url }, 'runner request failed');
      sendError(res, 500, 'INTERNAL', 'the runner could not handle this request');
    });
  });

  return {
    server,
    hosts,
    sessions,
    async close() {
      await sessions.closeAll();
      await hosts.stopAll('the runner is shutting down');
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
