import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import { createBus, type Bus } from '@toolgate/bus';
import { createLogger } from '@toolgate/core/logger';
import { createDb } from '@toolgate/db/client';
import { buildProxy } from '@toolgate/proxy/build-proxy';
import { ZProxyEnv } from '@toolgate/proxy/env';
import { ZWebEnv } from '@toolgate/web/env';
import { startWebServer } from '@toolgate/web/server';
import { buildWorker } from '@toolgate/worker/build-worker';
import { ZWorkerEnv } from '@toolgate/worker/env';
import { ZRunnerEnv } from '@toolgate/runner/env';
import { startRunner } from '@toolgate/runner/server';
import { allowStdioSetting, dataDir, exportToProcessEnv, rawEnv, type CliEnv } from './env.ts';
import { appEnvOrExit, type KeyRings } from './runtime.ts';
import { defaultPublicUrl, localUrl } from './urls.ts';

export interface RunningService {
  name: string;
  /** Where it listens, as reached from this machine. */
  url: string;
  /** The base URL the UI's links use for it (PUBLIC_WEB_URL / PUBLIC_MCP_URL): `url` unless configured. */
  publicUrl: string;
  stop(): Promise<void>;
}

interface ServiceOptions {
  cli: CliEnv;
  databaseUrl: string;
  keys: KeyRings;
}

interface ProxyOptions extends ServiceOptions {
  /** The bus to use (the supervised proxy's link to its parent); else one from REDIS_URL. */
  bus?: Bus;
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export async function runProxy({
  cli,
  databaseUrl,
  keys,
  bus: givenBus,
}: ProxyOptions): Promise<RunningService> {
  const raw = rawEnv();
  const env = appEnvOrExit('proxy', ZProxyEnv, {
    ...raw,
    DATABASE_URL: databaseUrl,
    TOOLGATE_SESSION_KEYS: keys.session,
    TOOLGATE_SECRET_KEYS: keys.secret,
    HOST: cli.HOST,
    PROXY_PORT: String(cli.PROXY_PORT),
    PUBLIC_MCP_URL: raw.PUBLIC_MCP_URL || defaultPublicUrl(cli.HOST, cli.PROXY_PORT),
    PUBLIC_WEB_URL: raw.PUBLIC_WEB_URL || defaultPublicUrl(cli.HOST, cli.WEB_PORT),
    TOOLGATE_ALLOW_STDIO: allowStdioSetting(cli, raw),
  });
  const log = createLogger({ name: 'proxy', level: env.LOG_LEVEL });
  const db = createDb({
    url: env.DATABASE_URL,
    applicationName: 'toolgate-proxy',
    queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
  });
  const bus = givenBus ?? createBus({ redisUrl: env.REDIS_URL });
  const proxy = buildProxy({ env, db, bus, log });
  await proxy.start();
  const port = await listen(proxy.server, env.PROXY_PORT, env.HOST);
  const url = localUrl(env.HOST, port);
  return {
    name: 'proxy',
    url,
    publicUrl: raw.PUBLIC_MCP_URL ? env.PUBLIC_MCP_URL : url,
    async stop() {
      await proxy.drain(env.SHUTDOWN_GRACE_MS);
      await bus.close();
      await db.close();
    },
  };
}

export async function runWorker({ cli, databaseUrl, keys }: ServiceOptions): Promise<RunningService> {
  const raw = rawEnv();
  const env = appEnvOrExit('worker', ZWorkerEnv, {
    ...raw,
    // Health checks open installation credentials like the proxies do.
    TOOLGATE_SECRET_KEYS: keys.secret,
    DATABASE_URL: databaseUrl,
    HOST: cli.HOST,
    WORKER_PORT: String(cli.WORKER_PORT),
    // The issuer of the Forwarded JWTs its health checks sign: the web app's, as for the proxy.
    PUBLIC_WEB_URL: raw.PUBLIC_WEB_URL || defaultPublicUrl(cli.HOST, cli.WEB_PORT),
  });
  const log = createLogger({ name: 'worker', level: env.LOG_LEVEL });
  const db = createDb({
    url: env.DATABASE_URL,
    applicationName: 'toolgate-worker',
    max: 4,
    queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
  });
  const bus = createBus({ redisUrl: env.REDIS_URL });
  const worker = buildWorker({ env, db, bus, log });
  const port = await listen(worker.server, env.WORKER_PORT, env.HOST);
  worker.start();
  const url = localUrl(env.HOST, port);
  return {
    name: 'worker',
    url,
    publicUrl: url,
    async stop() {
      await worker.stop();
      await bus.close();
      await db.close();
    },
  };
}

/**
 * `toolgate start`'s runner, in this process on the shared bus, hosting self-hosted servers for the
 * proxy: sandboxed (bubblewrap) where this host can, else, when local servers are allowed here
 * (one machine, or TOOLGATE_ALLOW_STDIO), as plain processes with a warning. Undefined when neither
 * is possible: self-hosted servers are then off, and the proxy and web app are told so.
 */
export async function runRunner({
  cli,
  databaseUrl,
  keys,
  protectedPaths,
}: ServiceOptions & { protectedPaths: string[] }): Promise<RunningService | undefined> {
  const raw = rawEnv();
  const log = createLogger({ name: 'toolgate', level: cli.LOG_LEVEL });
  const allowStdio = allowStdioSetting(cli, raw);
  const values = {
    ...raw,
    DATABASE_URL: databaseUrl,
    TOOLGATE_SECRET_KEYS: keys.secret,
    TOOLGATE_ALLOW_STDIO: allowStdio,
    RUNNER_HOST: raw.RUNNER_HOST || '127.0.0.1',
    // An ephemeral port unless one is asked for: only the proxy, told through the bus, connects.
    RUNNER_PORT: raw.RUNNER_PORT || '0',
    RUNNER_DATA_DIR: raw.RUNNER_DATA_DIR || path.join(dataDir(cli), 'runner'),
  };
  const bus = createBus({ redisUrl: cli.REDIS_URL });
  const start = (backend: string | undefined) =>
    startRunner(appEnvOrExit('runner', ZRunnerEnv, { ...values, RUNNER_BACKEND: backend }), {
      bus,
      protectedPaths,
    });
  let runner;
  try {
    runner = await start(raw.RUNNER_BACKEND);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (raw.RUNNER_BACKEND || allowStdio !== 'true') {
      log.warn({ reason }, 'self-hosted (stdio) servers are off: the runner could not start');
      await bus.close();
      return undefined;
    }
    log.warn({ reason }, 'no sandbox on this host: self-hosted servers run as plain processes');
    runner = await start('process');
  }
  return {
    name: 'runner',
    url: runner.url,
    publicUrl: runner.advertisedUrl,
    async stop() {
      await runner.stop();
      await bus.close();
    },
  };
}

export async function runWeb({
  cli,
  databaseUrl,
  keys,
  publicMcpUrl,
  runners,
}: ServiceOptions & { publicMcpUrl?: string; runners?: boolean }): Promise<RunningService> {
  const raw = rawEnv();
  const values = {
    ...raw,
    DATABASE_URL: databaseUrl,
    TOOLGATE_SECRET_KEYS: keys.secret,
    PUBLIC_MCP_URL: raw.PUBLIC_MCP_URL || publicMcpUrl || defaultPublicUrl(cli.HOST, cli.PROXY_PORT),
    PUBLIC_WEB_URL: raw.PUBLIC_WEB_URL || defaultPublicUrl(cli.HOST, cli.WEB_PORT),
    TOOLGATE_ALLOW_STDIO: allowStdioSetting(cli, raw),
    TOOLGATE_RUNNERS: runners === undefined ? raw.TOOLGATE_RUNNERS : String(runners),
  };
  const env = appEnvOrExit('web', ZWebEnv, values);
  // Next.js route handlers read their (already validated) configuration from process.env.
  exportToProcessEnv({
    DATABASE_URL: databaseUrl,
    TOOLGATE_SECRET_KEYS: keys.secret,
    PUBLIC_MCP_URL: env.PUBLIC_MCP_URL,
    PUBLIC_WEB_URL: env.PUBLIC_WEB_URL,
    TOOLGATE_ALLOW_STDIO: String(env.TOOLGATE_ALLOW_STDIO),
    TOOLGATE_RUNNERS: String(env.TOOLGATE_RUNNERS),
  });
  const log = createLogger({ name: 'web', level: env.LOG_LEVEL });
  const web = await startWebServer({ host: cli.HOST, port: cli.WEB_PORT, log });
  const url = localUrl(cli.HOST, (web.server.address() as AddressInfo).port);
  return {
    name: 'web',
    url,
    publicUrl: raw.PUBLIC_WEB_URL ? env.PUBLIC_WEB_URL : url,
    stop: () => web.close(),
  };
}
