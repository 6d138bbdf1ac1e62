import path from 'node:path';
import { createLogger } from '@toolgate/core/logger';
import { ZRunnerEnv } from '@toolgate/runner/env';
import { startRunner } from '@toolgate/runner/server';
import { cliEnv, dataDir, rawEnv } from '../env.ts';
import { appEnvOrExit, onShutdown, openDatabase, resolveKeys } from '../runtime.ts';

/**
 * `toolgate runner`: hosts self-hosted (stdio) servers for the proxies (apps/runner). With
 * DATABASE_URL and TOOLGATE_SECRET_KEYS it joins a distributed deployment; without them it uses
 * this machine's embedded database and key file, like `toolgate proxy`. With REDIS_URL it announces
 * itself to the proxies (RUNNER_ADVERTISE_URL, else its listening address).
 */
export async function runnerCommand(): Promise<number> {
  const cli = cliEnv();
  const log = createLogger({ name: 'toolgate', level: cli.LOG_LEVEL });
  const database = await openDatabase(cli, log);
  const keys = await resolveKeys(cli);
  const raw = rawEnv();
  const env = appEnvOrExit('runner', ZRunnerEnv, {
    ...raw,
    DATABASE_URL: database.url,
    TOOLGATE_SECRET_KEYS: keys.secret,
    RUNNER_DATA_DIR: raw.RUNNER_DATA_DIR || path.join(dataDir(cli), 'runner'),
  });
  // Toolgate's own data (the embedded database, keys.json) stays out of every sandbox.
  const runner = await startRunner(env, { protectedPaths: raw.DATABASE_URL ? [] : [dataDir(cli)] });
  onShutdown(log, async () => {
    await runner.stop();
    await database.stop();
  });
  process.stdout.write(
    `\nToolgate is running\n  Runner     ${runner.url}   (announced as ${runner.advertisedUrl})\n\n`,
  );
  return -1;
}
