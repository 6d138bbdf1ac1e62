import path from 'node:path';
import { EnvError, parseEnv, zLogLevel, zPort, zPostgresUrl, zRedisUrl, zKeyRing } from '@toolgate/core/env';
import { loadPlansConfig, PlansConfigError, type PlansConfig } from '@toolgate/core/plans';
import { z } from 'zod';

/**
 * The CLI owns the process environment: it validates what it needs, fills in embedded
 * defaults, and hands each app an explicit env object validated by that app's own schema.
 */
export const ZCliEnv = z.object({
  DATABASE_URL: zPostgresUrl.optional(),
  REDIS_URL: zRedisUrl.optional(),
  TOOLGATE_DATA_DIR: z.string().min(1).default('.data'),
  TOOLGATE_SESSION_KEYS: zKeyRing.optional(),
  TOOLGATE_SECRET_KEYS: zKeyRing.optional(),
  LOG_LEVEL: zLogLevel.default('info'),
  HOST: z.string().min(1).default('127.0.0.1'),
  WEB_PORT: zPort.default(3000),
  PROXY_PORT: zPort.default(4000),
  WORKER_PORT: zPort.default(9100),
  /** Port for the embedded database's wire-protocol server (0 = any free port). */
  EMBEDDED_DB_PORT: zPort.default(0),
  /** Plans and their limits (docs/billing.md): a JSON file, or the JSON itself (which wins). */
  TOOLGATE_PLANS_FILE: z.string().min(1).optional(),
  TOOLGATE_PLANS: z.string().min(1).optional(),
  /** The plan of tenants with none set; default: the file's `defaultPlan`, else `unlimited`. */
  TOOLGATE_DEFAULT_PLAN: z.string().min(1).optional(),
});
export type CliEnv = z.infer<typeof ZCliEnv>;

export const cliEnv = (): CliEnv => parseEnv(ZCliEnv, process.env);

/** The raw environment, for the per-app schemas to validate (they own their variables). */
export const rawEnv = (): Record<string, string | undefined> => ({ ...process.env });

/** The deployment's plans, as the web app reads them; a bad document is an EnvError naming it. */
export function cliPlans(env: CliEnv): PlansConfig {
  try {
    return loadPlansConfig({
      file: env.TOOLGATE_PLANS_FILE,
      json: env.TOOLGATE_PLANS,
      defaultPlan: env.TOOLGATE_DEFAULT_PLAN,
    });
  } catch (err) {
    if (err instanceof PlansConfigError) throw new EnvError([err.message]);
    throw err;
  }
}

export const dataDir = (env: CliEnv): string => path.resolve(env.TOOLGATE_DATA_DIR);

/**
 * TOOLGATE_ALLOW_STDIO for the web app and the proxy: what the operator set, else allowed on one machine (the
 * embedded database, no DATABASE_URL) where local servers run on the operator's own host, and
 * refused on shared deployments, where a tenant admin must not run commands on the servers.
 */
export const allowStdioSetting = (env: CliEnv, raw: Record<string, string | undefined>): string =>
  raw.TOOLGATE_ALLOW_STDIO || (env.DATABASE_URL ? 'false' : 'true');

/** Next.js route handlers read process.env; in a shared process the CLI sets what it resolved. */
export function exportToProcessEnv(values: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(values)) if (v !== undefined) process.env[k] = v;
}
