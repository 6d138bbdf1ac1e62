import { seedCatalog } from '@toolgate/api/services/seed-catalog';
import { gatewayResourceUrl } from '@toolgate/auth/resource';
import { createLogger } from '@toolgate/core/logger';
import { createDb } from '@toolgate/db/client';
import { runMigrations } from '@toolgate/db/migrate';
import { cliEnv, type CliEnv } from '../env.ts';
import { portProblem, type PortClaim } from '../port-check.ts';
import { onShutdown, openDatabase, resolveKeys } from '../runtime.ts';
import { runProxy, runWeb, runWorker, type RunningService } from '../services.ts';
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

/**
 * Runs the chosen components in this process. With everything embedded (`toolgate start`),
 * they share the embedded database server and the in-process bus.
 */
export async function serveCommand(components: Component[]): Promise<number> {
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
    const proxy = components.includes('proxy') ? await runProxy(options) : undefined;
    if (proxy) running.push(proxy);
    if (components.includes('web')) {
      running.push(await runWeb({ ...options, publicMcpUrl: proxy?.publicUrl }));
    }
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }

  const byName = Object.fromEntries(running.map((s) => [s.name, s]));
  const lines = ['', 'Toolgate is running'];
  const { web, proxy, worker } = byName;
  if (web) lines.push(`  Admin UI   ${withoutSlash(web.publicUrl)}${listening(web)}`);
  if (proxy) {
    // The same function that builds the gateway URLs the UI and the REST API hand out.
    const mcp = gatewayResourceUrl(proxy.publicUrl, '{tenant}', '{gateway}');
    lines.push(`  MCP        ${mcp}${listening(proxy)}`);
  }
  if (worker) lines.push(`  Worker     ${worker.url}/healthz`);
  lines.push(
    `  Database   ${database.description}`,
    `  Bus        ${env.REDIS_URL ? 'redis' : 'in-process'}`,
    '',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  log.info({ urls: Object.fromEntries(running.map((s) => [s.name, s.url])) }, 'ready');
  return -1;
}
