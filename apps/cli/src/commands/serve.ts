import { seedCatalog } from '@toolgate/api/services/seed-catalog';
import { gatewayResourceUrl } from '@toolgate/auth/resource';
import { createLogger, type Logger } from '@toolgate/core/logger';
import { createDb } from '@toolgate/db/client';
import { runMigrations } from '@toolgate/db/migrate';
import { ZProxyEnv } from '@toolgate/proxy/env';
import { allowStdioSetting, cliEnv, dataDir, rawEnv, type CliEnv } from '../env.ts';
import { portProblem, type PortClaim } from '../port-check.ts';
import { superviseProxy, type SupervisedProxy } from '../proxy-supervisor.ts';
import { onShutdown, openDatabase, resolveKeys, type KeyRings } from '../runtime.ts';
import { runProxy, runRunner, runWeb, runWorker, type RunningService } from '../services.ts';
import { sameServer } from '../urls.ts';

type Component = 'web' | 'proxy' | 'worker';

/** A port that cannot be used ends start-up before anything runs (EX_UNAVAILABLE). */
const PORT_UNAVAILABLE = 69;

const PORT_VARIABLE = { web: 'WEB_PORT', proxy: 'PROXY_PORT', worker: 'WORKER_PORT' } as const;

const portClaims = (env: CliEnv, components: Component[]): PortClaim[] =>
  components.map((c) => ({ variable: PORT_VARIABLE[c], port: env[PORT_VARIABLE[c]] }));

const withoutSlash = (url: string) => url.replace(/\/+$/, '');

/** Where a service listens, when its public URL (the one the UI's links use) points elsewhere. */
const listening = (s: RunningService) => (sameServer(s.publicUrl, s.url) ? '' : `   (listening on ${s.url})`);

/** `toolgate start`'s proxy process: this environment plus what this process resolved. */
function superviseProxyProcess(
  env: CliEnv,
  databaseUrl: string,
  keys: KeyRings,
  log: Logger,
  runners: boolean,
) {
  const raw = rawEnv();
  return superviseProxy({
    env: {
      ...raw,
      DATABASE_URL: databaseUrl,
      TOOLGATE_SESSION_KEYS: keys.session,
      TOOLGATE_SECRET_KEYS: keys.secret,
      // Decided here: the child sees a DATABASE_URL and would take this for a shared deployment.
      TOOLGATE_ALLOW_STDIO: allowStdioSetting(env, raw),
      // Self-hosted servers go to this process's runner, found on the bus.
      TOOLGATE_RUNNERS: String(runners),
    },
    log,
    graceMs: ZProxyEnv.shape.SHUTDOWN_GRACE_MS.parse(raw.SHUTDOWN_GRACE_MS),
  });
}

/**
 * Runs the chosen components. `toolgate start` runs web, worker and a runner in this process and the proxy
 * in a supervised child (proxy-supervisor.ts); they share the embedded database server and this
 * process's in-process bus (the proxy over its IPC channel). `web`, `proxy` and `worker` run alone.
 */
export async function serveCommand(components: Component[]): Promise<number> {
  const all = components.length === 3;
  const env = cliEnv();
  const log = createLogger({ name: 'toolgate', level: env.LOG_LEVEL });
  const problem = await portProblem(env.HOST, portClaims(env, components));
  if (problem) {
    process.stderr.write(`toolgate: ${problem}\n`);
    return PORT_UNAVAILABLE;
  }
  const database = await openDatabase(env, log);
  const running: RunningService[] = [];
  const stopAll = async () => {
    // Reverse order: web and proxy stop taking traffic before the worker and the database go.
    for (const service of [...running].reverse()) await service.stop();
    await database.stop();
  };
  onShutdown(log, stopAll);

  try {
    // Migrations (index builds, waiting on another replica's migration lock) run unbounded.
    const migrator = createDb({
      url: database.url,
      max: 1,
      applicationName: 'toolgate-migrate',
      queryTimeoutMs: 0,
      statementTimeoutMs: 0,
    });
    try {
      await runMigrations(migrator.pool);
      // The built-in registry catalog ships with the code; keep the database's copy in step.
      await seedCatalog({ db: migrator.db });
    } finally {
      await migrator.close();
    }
    const keys = await resolveKeys(env);
    const options = { cli: env, databaseUrl: database.url, keys };
    if (components.includes('worker')) running.push(await runWorker(options));
    // Toolgate's own data (the embedded database, keys.json) stays out of every sandbox.
    const runner = all
      ? await runRunner({ ...options, protectedPaths: env.DATABASE_URL ? [] : [dataDir(env)] })
      : undefined;
    if (runner) running.push(runner);
    let proxy: RunningService | undefined;
    if (all) proxy = await superviseProxyProcess(env, database.url, keys, log, runner !== undefined);
    else if (components.includes('proxy')) proxy = await runProxy(options);
    if (proxy) running.push(proxy);
    if (components.includes('web')) {
      running.push(
        await runWeb({ ...options, publicMcpUrl: proxy?.publicUrl, ...(all ? { runners: !!runner } : {}) }),
      );
    }
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }

  const byName = Object.fromEntries(running.map((s) => [s.name, s]));
  const lines = ['', 'Toolgate is running'];
  const { web, proxy, worker, runner } = byName;
  if (web) lines.push(`  Admin UI   ${withoutSlash(web.publicUrl)}${listening(web)}`);
  if (proxy) {
    // The same function that builds the gateway URLs the UI and the REST API hand out.
    const mcp = gatewayResourceUrl(proxy.publicUrl, '{tenant}', '{gateway}');
    lines.push(`  MCP        ${mcp}${listening(proxy)}`);
  }
  if (worker) lines.push(`  Worker     ${worker.url}/healthz`);
  if (runner) lines.push(`  Runner     ${runner.url}   (self-hosted servers)`);
  lines.push(
    `  Database   ${database.description}`,
    `  Bus        ${env.REDIS_URL ? 'redis' : 'in-process'}`,
  );
  const supervised = proxy && 'pid' in proxy ? (proxy as SupervisedProxy) : undefined;
  if (supervised) {
    lines.push(
      `  Processes  pid ${process.pid}: web, worker${runner ? ', runner' : ''}${database.owned ? ', database' : ''}${env.REDIS_URL ? '' : ', bus'}`,
      `             pid ${supervised.pid()}: proxy (restarted if it exits)`,
    );
  }
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
  log.info({ urls: Object.fromEntries(running.map((s) => [s.name, s.url])) }, 'ready');
  return -1;
}
