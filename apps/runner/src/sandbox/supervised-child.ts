import type { ChildProcess } from 'node:child_process';
import type { SandboxExit, SandboxedProcess } from './sandbox-spec.ts';

const STDERR_TAIL_BYTES = 4_096;
const DEFAULT_GRACE_MS = 2_000;

export interface SuperviseOptions {
  /** Turns the raw exit into a reason, with the last of stderr at hand (backend-specific). */
  describeExit(code: number | null, signal: NodeJS.Signals | null, stderrTail: string): Promise<SandboxExit>;
  /** Kills the server and everything it started. */
  killAll(): void;
  /** Runs after the exit, before `exited` resolves (e.g. removes the cgroup). */
  cleanup(): Promise<void>;
}

/** The one place a spawned server's end is observed: a spawn error and an exit both end up in `exited`. */
export function superviseChild(child: ChildProcess, options: SuperviseOptions): SandboxedProcess {
  const { stdin, stdout, stderr } = child;
  if (!stdin || !stdout || !stderr) throw new Error('superviseChild needs a child spawned with piped stdio');
  let tail = Buffer.alloc(0);
  stderr.on('data', (chunk: Buffer) => {
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > STDERR_TAIL_BYTES) tail = tail.subarray(tail.length - STDERR_TAIL_BYTES);
  });
  // Writing to a server that has died must not crash the runner: the exit says what happened.
  stdin.on('error', () => {});

  let settled = false;
  const exited = new Promise<SandboxExit>((resolve) => {
    const finish = async (make: () => Promise<SandboxExit>) => {
      if (settled) return;
      settled = true;
      let exit: SandboxExit;
      try {
        exit = await make();
      } catch (err) {
        exit = { reason: 'exited', code: child.exitCode, signal: child.signalCode, detail: String(err) };
      }
      try {
        await options.cleanup();
      } catch (err) {
        exit = { ...exit, detail: `${exit.detail}; cleanup failed: ${String(err)}` };
      }
      resolve(exit);
    };
    child.once('error', (err) => {
      // An error after a successful spawn (e.g. a failed kill) is followed by 'exit' as usual.
      if (child.pid !== undefined) return;
      void finish(async () => ({ reason: 'start-failed', code: null, signal: null, detail: err.message }));
    });
    child.once('exit', (code, signal) => {
      void finish(() => options.describeExit(code, signal, tail.toString('utf8')));
    });
  });

  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) options.killAll();
  };
  return {
    pid: child.pid,
    stdin,
    stdout,
    stderr,
    exited,
    kill,
    async stop(graceMs = DEFAULT_GRACE_MS) {
      stdin.end();
      const timer = setTimeout(kill, graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** Exit wording shared by both backends. */
export function plainExit(code: number | null, signal: NodeJS.Signals | null): SandboxExit {
  if (signal) return { reason: 'signal', code, signal, detail: `killed by ${signal}` };
  return { reason: 'exited', code, signal: null, detail: `exited with code ${String(code)}` };
}
