import { createBus } from '@toolgate/bus';
import { startRunner } from '@toolgate/runner/server';
import { runnerProcessEnv } from './env.ts';

/**
 * BENCH_RUNNER: the runner under test, alone in its process so that /proc/<pid>/stat measures its
 * CPU only. What `toolgate runner` runs (apps/cli/src/commands/runner.ts: `startRunner` from the
 * runner's validated env), except that it announces itself on the bench run's own bus namespace
 * (BENCH_BUS_PREFIX in Redis), so only this run's gateway routes to it and it never answers
 * another runner's proxies. Started by runner-target.ts; reports its URL over IPC.
 */
const env = runnerProcessEnv();
const bus = createBus({ redisUrl: env.redisUrl, prefix: env.busPrefix });
const runner = await startRunner(env, { bus });
process.send?.({ url: runner.url });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await runner.stop();
  await bus.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => void stop());
