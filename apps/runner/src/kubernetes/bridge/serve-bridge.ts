import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { AppError } from '@toolgate/core/errors';
import type { Logger } from '@toolgate/core/logger';
import { ProxySessions } from '../../bridge/proxy-sessions.ts';
import { sendError } from '../../http/http-errors.ts';
import { serveLog } from '../../http/log-endpoint.ts';
import { serveMcp } from '../../http/mcp-endpoint.ts';
import { ServerHosts } from '../../lifecycle/server-hosts.ts';
import { PackageInstaller } from '../../packages/package-installer.ts';
import type { StdioInstallation } from '../../registry/load-installation.ts';
import type { SandboxBackend } from '../../sandbox/sandbox-spec.ts';
import { SECRET_KEY } from '../manifests.ts';
import type { BridgeEnv } from './env.ts';

/** The one server a bridge serves, under fixed ids: its pod is the boundary, not the ids. */
const TENANT = 'bridge';
const INSTALLATION = 'bridge';
/** The pod is scaled to zero by the runner; the bridge itself never stops its server for idleness. */
const NEVER_MS = 2_147_483_647;

export interface Bridge {
  server: Server;
  close(): Promise<void>;
}

/** The Secret's two files: the server's environment and the key the runner must present. */
export async function readBridgeSecret(dir: string): Promise<{ env: Record<string, string>; key: string }> {
  const env = JSON.parse(await readFile(join(dir, SECRET_KEY.env), 'utf8')) as unknown;
  if (typeof env !== 'object' || env === null || Object.values(env).some((v) => typeof v !== 'string'))
    throw new Error(`${SECRET_KEY.env} must be a JSON object of strings`);
  const key = (await readFile(join(dir, SECRET_KEY.bridgeKey), 'utf8')).trim();
  if (!key) throw new Error(`${SECRET_KEY.bridgeKey} is empty`);
  return { env: env as Record<string, string>, key };
}

/**
 * What runs in a server's pod on Kubernetes: ONE stdio server (the process backend: the pod is
 * the isolation boundary) served at `/mcp` over Streamable HTTP with the runner's own bridge and
 * lifecycle code, no database. `/log` is its recent log, `/readyz` is ready once it answered
 * initialize (the pod's readiness), `/healthz` is the bridge alive. `/mcp` and `/log` need
 * `Authorization: Bearer <bridge key>`.
 */
export function buildBridge(options: {
  env: BridgeEnv;
  serverEnv: Record<string, string>;
  key: string;
  backend: SandboxBackend;
  log: Logger;
}): Bridge {
  const { env, log } = options;
  const installation: StdioInstallation = {
    tenantId: TENANT,
    installationId: INSTALLATION,
    variant: 'stable',
    label: env.TOOLGATE_BRIDGE_NAME,
    command: env.TOOLGATE_BRIDGE_COMMAND,
    package: undefined,
    args: env.TOOLGATE_BRIDGE_ARGS,
    env: options.serverEnv,
    network: 'none',
    secretValues: Object.values(options.serverEnv).filter((v) => v.length >= 4),
  };
  const hosts = new ServerHosts({
    backend: options.backend,
    log,
    load: async (tenantId, installationId) => {
      if (tenantId !== TENANT || installationId !== INSTALLATION)
        throw new AppError('NOT_FOUND', 'this bridge serves one server');
      return installation;
    },
    // Never used: the bridge runs a command, never a package (the runner installs none in pods).
    installer: new PackageInstaller({
      dir: join(env.TOOLGATE_BRIDGE_WORK_DIR, 'packages'),
      npmHome: join(env.TOOLGATE_BRIDGE_WORK_DIR, 'npm'),
      registry: 'https://registry.npmjs.org/',
      timeoutMs: 1,
      log,
    }),
    recordVersion: async () => {},
    dataDir: env.TOOLGATE_BRIDGE_WORK_DIR,
    readOnlyPaths: [],
    // Enforced by the pod's resources; the process backend ignores them.
    limits: { memoryBytes: 64 * 1024 * 1024, cpuPercent: 100, maxProcesses: 128 },
    idleStopMs: NEVER_MS,
    startTimeoutMs: env.RUNNER_START_TIMEOUT_MS,
    callTimeoutMs: env.RUNNER_CALL_TIMEOUT_MS,
    pingIntervalMs: env.RUNNER_PING_INTERVAL_MS,
    maxStdoutBytes: env.RUNNER_MAX_STDOUT_BYTES,
  });
  const sessions = new ProxySessions(env.RUNNER_SESSION_IDLE_MS);
  const expected = Buffer.from(`Bearer ${options.key}`);
  const authorized = (req: IncomingMessage) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const mcpDeps = { hosts, sessions, log, maxBodyBytes: env.RUNNER_MAX_BODY_BYTES };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      try {
        await (await hosts.get(TENANT, INSTALLATION)).identity();
        return json(res, 200, { ready: true });
      } catch (error) {
        return json(res, 503, {
          ready: false,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (path !== '/mcp' && path !== '/log') return sendError(res, 404, 'NOT_FOUND', 'no such endpoint');
    if (!authorized(req))
      return sendError(res, 401, 'UNAUTHORIZED', 'the bridge key is required (Authorization: Bearer …)', {
        'www-authenticate': 'Bearer realm="toolgate-bridge"',
      });
    if (path === '/log') return serveLog({ hosts }, req, res, TENANT, INSTALLATION, 'stable');
    return serveMcp(mcpDeps, req, res, TENANT, INSTALLATION, 'stable');
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      log.error({ err: error, url: req.url }, 'bridge request failed');
      sendError(res, 500, 'INTERNAL', 'the bridge could not handle this request');
    });
  });
  return {
    server,
    async close() {
      await sessions.closeAll();
      await hosts.stopAll('the bridge is shutting down');
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
