import { parseArgs } from 'node:util';
import { revokeSigningKeys, rotateSigningKey } from '@toolgate/auth/signing-keys';
import { createBus } from '@toolgate/bus';
import { parseKeyRing } from '@toolgate/core/crypto';
import { createLogger } from '@toolgate/core/logger';
import { createDb } from '@toolgate/db/client';
import { runMigrations } from '@toolgate/db/migrate';
import { cliEnv } from '../env.ts';
import { openDatabase, resolveKeys } from '../runtime.ts';

/**
 * Replaces the OAuth authorization server's signing key now (it also rotates by itself every 30
 * days). The previous key keeps verifying the tokens it signed until they expire, unless
 * `--drop-previous`: for a key no longer trusted, it leaves the JWKS and every proxy refuses what
 * it signed — at once with REDIS_URL, else within the proxies' JWKS reload (10 minutes; restart
 * `toolgate start` to apply at once). Prints {"kid":"…","dropped":[…]}.
 */
export async function rotateSigningKeyCommand(args: string[]): Promise<number> {
  let dropPrevious: boolean | undefined;
  try {
    ({
      values: { 'drop-previous': dropPrevious },
    } = parseArgs({ args, options: { 'drop-previous': { type: 'boolean' } }, strict: true }));
  } catch (err) {
    process.stderr.write(`toolgate rotate-signing-key: ${(err as Error).message}\n`);
    return 64;
  }
  const env = cliEnv();
  const log = createLogger({
    name: 'rotate-signing-key',
    level: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL,
    pretty: false,
  });
  const ring = parseKeyRing((await resolveKeys(env)).secret);
  const target = await openDatabase(env, log);
  // A one-shot command that runs migrations first: unbounded, like `toolgate migrate`.
  const handle = createDb({
    url: target.url,
    max: 2,
    applicationName: 'toolgate-rotate-signing-key',
    queryTimeoutMs: 0,
    statementTimeoutMs: 0,
  });
  const bus = createBus({ redisUrl: env.REDIS_URL });
  try {
    await runMigrations(handle.pool);
    const { kid, dropped } = await rotateSigningKey(handle.db, ring, new Date(), {
      dropPrevious: dropPrevious === true,
    });
    await revokeSigningKeys(handle.db, bus, dropped);
    process.stdout.write(`${JSON.stringify({ kid, dropped })}\n`);
    return 0;
  } finally {
    await bus.close();
    await handle.close();
    await target.stop();
  }
}
