import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { generateKeySpec } from '@toolgate/core/crypto';
import { createTestDatabase } from '@toolgate/db/testing';
import { benchEnv } from './env.ts';
import { idleSessionsRss } from './idle-sessions.ts';
import { describeLimits } from './limits-target.ts';
import { PEERS } from './peers.ts';
import { renderPeersReport, renderReport } from './report.ts';
import { runRounds } from './rounds.ts';
import { describeGovernance } from './seed-gateway.ts';
import { isPeer, setUpHttp, setUpStdio, type Mode } from './targets.ts';

/**
 * `npm run bench`: tools/call of server-everything's echo, direct vs through the gateway, in one
 * interleaved run. A measurement, not a test: it exits 0 whatever the figures (see README.md).
 */
const env = benchEnv();
const upstream = env.BENCH_UPSTREAM ?? (env.BENCH_PEERS ? 'stdio' : 'both');
if (env.BENCH_PEERS && upstream === 'http') {
  process.stderr.write(
    'bench: the peers front server-everything over stdio; BENCH_PEERS=1 needs BENCH_UPSTREAM=stdio or both\n',
  );
  process.exit(2);
}
const modes: Mode[] = upstream === 'both' ? ['http', 'stdio'] : [upstream];
if (env.BENCH_RUNNER !== 'off' && (upstream === 'http' || !env.BENCH_REDIS_URL)) {
  process.stderr.write(
    upstream === 'http'
      ? 'bench: runners host stdio servers; BENCH_RUNNER needs BENCH_UPSTREAM=stdio or both\n'
      : 'bench: BENCH_RUNNER needs BENCH_REDIS_URL (e.g. redis://127.0.0.1:6379): the runner and the gateway are ' +
          'separate processes that find each other through Redis, and the in-process bus cannot join them ' +
          '(both gateways then use that Redis, so only the hop differs)\n',
  );
  process.exit(2);
}

if (env.BENCH_LIMITS === 'on' && !env.BENCH_REDIS_URL) {
  process.stderr.write(
    'bench: BENCH_LIMITS needs BENCH_REDIS_URL (e.g. redis://127.0.0.1:6379): the limiter is measured as deployed, ' +
      'one Redis round trip per call, not on the in-process bus (both gateways then use that Redis, so only the ' +
      'limiter differs)\n',
  );
  process.exit(2);
}

const cpuList = cpus();
process.stdout.write(
  [
    `Toolgate bench: tools/call echo of @modelcontextprotocol/server-everything, direct vs gateway` +
      (env.BENCH_PEERS
        ? ` vs ${Object.entries(PEERS)
            .map(([name, version]) => `${name} ${version}`)
            .join(' and ')} (stdio)`
        : ''),
    `node ${process.version} · ${cpuList.length} CPU (${cpuList[0]?.model.trim() ?? '?'}) · ` +
      `c1 ${env.BENCH_CALLS} calls · c16/c64 ${env.BENCH_SECONDS} s each · ${env.BENCH_ROUNDS} rounds · ` +
      `db ${env.BENCH_DATABASE_URL ? 'postgres' : 'embedded PGlite'} · bus ${env.BENCH_REDIS_URL ? 'redis' : 'in-process'}`,
    `server-everything ${everythingVersion()} · tools/list: ${modes.includes('stdio') && env.BENCH_LIST_CALLS > 0 ? `${env.BENCH_LIST_TOOLS} tools, ${env.BENCH_LIST_CALLS} walks per round (stdio mode)` : 'off'}`,
    `gateway auth: ${env.BENCH_AUTH === 'oauth' ? 'OAuth access token (ES256 JWT)' : 'org API token'} (BENCH_AUTH=${env.BENCH_AUTH})`,
    `governance (BENCH_GOVERNANCE=${env.BENCH_GOVERNANCE}): ` +
      (env.BENCH_GOVERNANCE === 'off'
        ? 'none'
        : `the gateway without, and side by side a second gateway process with ${describeGovernance(env.BENCH_GOVERNANCE)}`),
    `call limits (BENCH_LIMITS=${env.BENCH_LIMITS}): ` +
      (env.BENCH_LIMITS === 'off'
        ? 'none'
        : `the gateway without, and side by side a second gateway process whose tenant has ${describeLimits(env.BENCH_AUTH)}`),
    `runner (BENCH_RUNNER=${env.BENCH_RUNNER}): ` +
      (env.BENCH_RUNNER === 'off'
        ? 'none'
        : `stdio mode: side by side, a gateway process routing server-everything to a runner process (${env.BENCH_RUNNER === 'both' ? 'one with the sandbox backend, one with process' : `${env.BENCH_RUNNER} backend`})`),
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
      const results = await runRounds(setup, env);
      report = results.targets.some((t) => isPeer(t.name))
        ? renderPeersReport(results, env.BENCH_AUTH)
        : renderReport(results, env.BENCH_AUTH);
      const gateway = setup.targets.find((t) => t.name === 'gateway');
      if (env.BENCH_IDLE_SESSIONS > 0 && gateway?.idle && gateway.proxyPid !== undefined) {
        process.stderr.write(`${mode} upstream: opening ${env.BENCH_IDLE_SESSIONS} idle sessions\n`);
        const { before, after } = await idleSessionsRss(
          gateway.idle,
          gateway.proxyPid,
          env.BENCH_IDLE_SESSIONS,
        );
        const mib = (bytes: number) => (bytes / 1_048_576).toFixed(1);
        report +=
          `\nToolgate RSS with ${env.BENCH_IDLE_SESSIONS} idle sessions open (each with its GET stream): ` +
          `${mib(after)} MiB (${mib(before)} MiB before them, ${((after - before) / env.BENCH_IDLE_SESSIONS / 1024).toFixed(1)} KiB per session)\n`;
      }
    } finally {
      await setup.close();
    }
    process.stdout.write(`${report}\n`);
  }
} finally {
  await db.destroy();
}

function everythingVersion(): string {
  const require = createRequire(import.meta.resolve('@toolgate/fixtures/everything'));
  const file = require.resolve('@modelcontextprotocol/server-everything/package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
