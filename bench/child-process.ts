import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
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
 * Spawns `entry` (node --import tsx) from the repository root with only `env` (the caller's
 * environment stays out of it) and an IPC channel; resolves with its first message, or rejects if
 * it exits or stays silent for 30 s. Children still running when the bench exits are killed.
 */
export async function startBenchChild<Ready>(
  name: string,
  entry: string,
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<BenchChild<Ready>> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
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
