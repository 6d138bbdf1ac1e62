import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromSources } from './env.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE_STATE = new URL('../apps/cli/bin/bundle-state.js', import.meta.url).href;
const BUNDLED_BENCH = fileURLToPath(new URL('../apps/cli/dist/bench/', import.meta.url));
const announced = new Set<string>();

/**
 * What runs `entry` (bench/<name>.ts): its bundle (apps/cli/dist/bench/<name>.js, built by
 * scripts/bundle.mjs, plain node as in production) when that was built from the current sources
 * and TOOLGATE_FROM_SOURCES is not set; else the sources through tsx. Said once per entry on stderr.
 */
async function command(name: string, entry: string): Promise<string[]> {
  const { bundleState } = (await import(BUNDLE_STATE)) as {
    bundleState: () => { fresh: boolean; reason?: string };
  };
  const bundled = path.join(BUNDLED_BENCH, `${path.basename(entry, '.ts')}.js`);
  const state = fromSources()
    ? { fresh: false, reason: 'TOOLGATE_FROM_SOURCES is set' }
    : existsSync(bundled)
      ? bundleState()
      : { fresh: false, reason: 'not built yet' };
  const args = state.fresh ? [bundled] : ['--import', 'tsx', entry];
  if (!announced.has(name)) {
    announced.add(name);
    const runs = state.fresh
      ? `bundle ${path.relative(REPO_ROOT, bundled)}`
      : `sources through tsx (bundle: ${state.reason})`;
    process.stderr.write(`  ${name}: ${runs}\n`);
  }
  return args;
}

const running = new Set<() => void>();
process.once('exit', () => {
  for (const kill of running) kill();
});

export interface BenchChild<Ready> {
  pid: number;
  /** The first IPC message the child sent (it sends one once it is ready). */
  ready: Ready;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/**
 * Spawns `entry` (its bundle, else `node --import tsx`: see `command`) from the repository root
 * with only `env` (the caller's environment stays out of it) and an IPC channel; resolves with its first message, or rejects if
 * it exits or stays silent for 30 s. Children still running when the bench exits are killed.
 */
export async function startBenchChild<Ready>(
  name: string,
  entry: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<BenchChild<Ready>> {
  const child = spawn(process.execPath, [...nodeArgs, ...(await command(name, entry))], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = () => child.kill('SIGKILL');
  running.add(kill);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s`)), 30_000);
    child.once('message', (message: Ready) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited during start-up (${signal ?? code})`));
    });
  });
  return {
    pid: child.pid!,
    ready,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(kill, 10_000);
      await exited;
      clearTimeout(timer);
      running.delete(kill);
    },
  };
}
