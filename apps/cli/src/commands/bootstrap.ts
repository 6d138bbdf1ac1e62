import { parseArgs } from 'node:util';
import { isAppError } from '@toolgate/core/errors';
import { createLogger } from '@toolgate/core/logger';
import { bootstrapTenant } from '@toolgate/db/bootstrap';
import { createDb } from '@toolgate/db/client';
import { runMigrations } from '@toolgate/db/migrate';
import { cliEnv } from '../env.ts';
import { openDatabase } from '../runtime.ts';

export async function bootstrapCommand(args: string[]): Promise<number> {
  let values: { tenant?: string; email?: string; password?: string; name?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        tenant: { type: 'string' },
        email: { type: 'string' },
        password: { type: 'string' },
        name: { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`toolgate bootstrap: ${(err as Error).message}\n`);
    return 64;
  }
  const missing = (['tenant', 'email', 'password'] as const).filter((k) => !values[k]);
  if (missing.length > 0) {
    process.stderr.write(`toolgate bootstrap: missing ${missing.map((m) => `--${m}`).join(', ')}\n`);
    return 64;
  }

  const env = cliEnv();
  // Logs go to stderr: stdout carries exactly one JSON line for scripts.
  const log = createLogger({
    name: 'bootstrap',
    level: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL,
    pretty: false,
  });
  const target = await openDatabase(env, log);
  // A one-shot command that runs migrations first: unbounded, like `toolgate migrate`.
  const handle = createDb({
    url: target.url,
    max: 2,
    applicationName: 'toolgate-bootstrap',
    queryTimeoutMs: 0,
    statementTimeoutMs: 0,
  });
  try {
    await runMigrations(handle.pool);
    const result = await bootstrapTenant(handle.db, {
      slug: values.tenant!,
      email: values.email!,
      password: values.password!,
      name: values.name,
    });
    process.stdout.write(`${JSON.stringify({ tenant: values.tenant, adminToken: result.adminToken })}\n`);
    return 0;
  } catch (err) {
    if (isAppError(err)) {
      process.stderr.write(`toolgate bootstrap: ${err.message}\n`);
      return err.code === 'CONFLICT' ? 3 : 65;
    }
    throw err;
  } finally {
    await handle.close();
    await target.stop();
  }
}
