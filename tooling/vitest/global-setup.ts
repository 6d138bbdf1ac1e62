import { connect } from 'node:net';
import type { TestProject } from 'vitest/node';

/**
 * Chooses the integration backends once per run and says which: TEST_DATABASE_URL /
 * TEST_REDIS_URL when set, else the local services when reachable, else the embedded database
 * and the in-process bus. Tests read the choice with `inject('postgresUrl')` / `inject('redisUrl')`.
 */
const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/test';
const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.setTimeout(1_000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

export default async function setup(project: TestProject) {
  const pg = process.env.TEST_DATABASE_URL ?? ((await reachable(DEFAULT_PG)) ? DEFAULT_PG : '');
  const redis = process.env.TEST_REDIS_URL ?? ((await reachable(DEFAULT_REDIS)) ? DEFAULT_REDIS : '');
  const shown = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');
  process.stdout.write(
    `\n[integration] database: ${pg ? `postgres ${shown(pg)}` : 'embedded PGlite'}; ` +
      `bus: ${redis ? `redis ${shown(redis)}` : 'in-process'}\n\n`,
  );
  project.provide('postgresUrl', pg);
  project.provide('redisUrl', redis);
}
