import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateKeySpec } from '@toolgate/core/crypto';
import { EnvError, parseEnv } from '@toolgate/core/env';
import type { Logger } from '@toolgate/core/logger';
import { startEmbeddedPostgres } from '@toolgate/db/embedded';
import type { z } from 'zod';
import { dataDir, type CliEnv } from './env.ts';

export interface DatabaseTarget {
  url: string;
  /** Human description for start-up output. */
  description: string;
  /** Whether this process runs the database server (the embedded one, not shared). */
  owned: boolean;
  stop(): Promise<void>;
}

/** `DATABASE_URL` when set, else the embedded database under the data directory. */
export async function openDatabase(env: CliEnv, log: Logger): Promise<DatabaseTarget> {
  if (env.DATABASE_URL) {
    const u = new URL(env.DATABASE_URL);
    return {
      url: env.DATABASE_URL,
      description: `postgres ${u.host}${u.pathname}`,
      owned: false,
      stop: async () => {},
    };
  }
  const dir = dataDir(env);
  const embedded = await startEmbeddedPostgres({ dataDir: dir, port: env.EMBEDDED_DB_PORT });
  log.debug({ dataDir: dir, owned: embedded.owned }, 'embedded database');
  return {
    url: embedded.url,
    owned: embedded.owned,
    description: `embedded (${path.join(dir, 'pg')}${embedded.owned ? '' : ', shared with a running toolgate'})`,
    stop: () => embedded.stop(),
  };
}

export interface KeyRings {
  session: string;
  secret: string;
}

/**
 * Keys from the environment, else generated once and kept in `<data>/keys.json` (mode 0600) so
 * sealed secrets and session ids survive restarts of a one-machine install.
 */
export async function resolveKeys(env: CliEnv): Promise<KeyRings> {
  if (env.TOOLGATE_SESSION_KEYS && env.TOOLGATE_SECRET_KEYS) {
    return { session: env.TOOLGATE_SESSION_KEYS, secret: env.TOOLGATE_SECRET_KEYS };
  }
  const dir = dataDir(env);
  const file = path.join(dir, 'keys.json');
  let stored: Partial<KeyRings> = {};
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as Partial<KeyRings>;
  } catch {
    // First start: generate below.
  }
  const keys: KeyRings = {
    session: env.TOOLGATE_SESSION_KEYS ?? stored.session ?? generateKeySpec('s1'),
    secret: env.TOOLGATE_SECRET_KEYS ?? stored.secret ?? generateKeySpec('k1'),
  };
  if (keys.session !== stored.session || keys.secret !== stored.secret) {
    await mkdir(dir, { recursive: true });
    await writeFile(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return keys;
}

/** Validates an app's env; a bad value ends the process with a message naming the variable. */
export function appEnvOrExit<S extends z.ZodType>(
  app: string,
  schema: S,
  values: Record<string, unknown>,
): z.output<S> {
  try {
    return parseEnv(schema, values as Record<string, string | undefined>);
  } catch (err) {
    if (err instanceof EnvError) exitWithConfigError(app, err);
    throw err;
  }
}

export function exitWithConfigError(app: string, err: EnvError): never {
  process.stderr.write(`toolgate ${app}: ${err.message}\n`);
  process.exit(78); // EX_CONFIG
}

/**
 * Runs `stop` once on SIGTERM/SIGINT, then exits 0; a later second signal exits at once. Stopping is
 * bounded so a stuck dependency cannot keep the process alive forever.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>, boundMs = 20_000): void {
  let firstSignalAt = 0;
  const handler = (signal: NodeJS.Signals) => {
    if (firstSignalAt) {
      // Under `npm start`, Ctrl-C reaches us twice at once (terminal and npm); only a later,
      // deliberate second signal forces the exit.
      if (Date.now() - firstSignalAt < 1_500) return;
      log.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    firstSignalAt = Date.now();
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('shutdown took too long, exiting');
      process.exit(1);
    }, boundMs);
    timer.unref();
    stop().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
