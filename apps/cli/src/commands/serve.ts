import { seedCatalog } from '@toolgate/api/services/seed-catalog';
import { createLogger } from '@toolgate/core/logger';
import { createDb } from '@toolgate/db/client';
import { runMigrations } from '@toolgate/db/migrate';
import { cliEnv } from '../env.ts';
import { onShutdown, openDatabase, resolveKeys } from '../runtime.ts';
import { runProxy, runWeb, runWorker, type RunningService } from '../services.ts';

type Component = 'web' | 'proxy' | 'worker';

/**
 * Runs the chosen components in this process. With everything embedded (`toolgate start`),
 * they share the embedded database server and the in-process bus.
 */
export async function serveCommand(components: Component[]): Promise<number> {
  const env = cliEnv();
  const log = createLogger({ name: 'toolgate', level: env.LOG_LEVEL });
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
      running.push(await runWeb({ ...options, publicMcpUrl: proxy?.url.replace('127.0.0.1', 'localhost') }));
    }
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }

  const byName = Object.fromEntries(running.map((s) => [s.name, s.url]));
  const lines = ['', 'Toolgate is running'];
  if (byName.web) lines.push(`  Admin UI   ${byName.web}`);
  if (byName.proxy) lines.push(`  MCP        ${byName.proxy}/mcp/{tenant}/{gateway}`);
  if (byName.worker) lines.push(`  Worker     ${byName.worker}/healthz`);
  lines.push(
    `  Database   ${database.description}`,
    `  Bus        ${env.REDIS_URL ? 'redis' : 'in-process'}`,
    '',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  log.info({ urls: byName }, 'ready');
  return -1;
}
