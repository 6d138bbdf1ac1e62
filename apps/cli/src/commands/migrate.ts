import { createLogger } from '@toolgate/core/logger';
import { createDb } from '@toolgate/db/client';
import { runMigrations } from '@toolgate/db/migrate';
import { cliEnv } from '../env.ts';
import { openDatabase } from '../runtime.ts';

export async function migrateCommand(): Promise<number> {
  const env = cliEnv();
  const log = createLogger({ name: 'migrate', level: env.LOG_LEVEL });
  const target = await openDatabase(env, log);
  // Migrations (index builds, waiting on another replica's migration lock) run unbounded.
  const handle = createDb({
    url: target.url,
    max: 1,
    applicationName: 'toolgate-migrate',
    queryTimeoutMs: 0,
    statementTimeoutMs: 0,
  });
  try {
    await runMigrations(handle.pool);
    log.info({ database: target.description }, 'migrations applied');
    return 0;
  } finally {
    await handle.close();
    await target.stop();
  }
}
