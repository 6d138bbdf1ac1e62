import { cpus } from 'node:os';
import { generateKeySpec } from '@toolgate/core/crypto';
import { createTestDatabase } from '@toolgate/db/testing';
import { benchEnv } from './env.ts';
import { renderReport } from './report.ts';
import { runRounds } from './rounds.ts';
import { setUpHttp, setUpStdio, type Mode } from './targets.ts';

/**
 * `npm run bench`: tools/call of server-everything's echo, direct vs through the gateway, in one
 * interleaved run. A measurement, not a test: it exits 0 whatever the figures (see README.md).
 */
const env = benchEnv();
const modes: Mode[] = env.BENCH_UPSTREAM === 'both' ? ['http', 'stdio'] : [env.BENCH_UPSTREAM];

const cpuList = cpus();
process.stdout.write(
  [
    'Toolgate bench: tools/call echo of @modelcontextprotocol/server-everything, direct vs gateway',
    `node ${process.version} · ${cpuList.length} CPU (${cpuList[0]?.model.trim() ?? '?'}) · ` +
      `c1 ${env.BENCH_CALLS} calls · c16/c64 ${env.BENCH_SECONDS} s each · ${env.BENCH_ROUNDS} rounds · ` +
      `db ${env.BENCH_DATABASE_URL ? 'postgres' : 'embedded PGlite'} · bus ${env.BENCH_REDIS_URL ? 'redis' : 'in-process'}`,
    `gateway auth: ${env.BENCH_AUTH === 'oauth' ? 'OAuth access token (ES256 JWT)' : 'org API token'} (BENCH_AUTH=${env.BENCH_AUTH})`,
    'c1 = sequential calls on one session; c16 / c64 = 16 / 64 calls in flight over 16 sessions',
    '(stdio direct: one session, all calls in flight on it); CPU = /proc utime+stime ÷ calls.',
    '',
  ].join('\n'),
);

const db = await createTestDatabase(env.BENCH_DATABASE_URL ?? '');
const secretKeys = generateKeySpec('k1');
try {
  for (const mode of modes) {
    process.stderr.write(`${mode} upstream: setting up\n`);
    const ctx = { env, db, secretKeys };
    const setup = mode === 'http' ? await setUpHttp(ctx) : await setUpStdio(ctx);
    let report: string;
    try {
      report = renderReport(await runRounds(setup, env), env.BENCH_AUTH);
    } finally {
      await setup.close();
    }
    process.stdout.write(`${report}\n`);
  }
} finally {
  await db.destroy();
}
