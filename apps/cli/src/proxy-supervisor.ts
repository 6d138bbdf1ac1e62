import { fork, type ChildProcess } from 'node:child_process';
import { createBus, processLink, serveBus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import type { RunningService } from './services.ts';

/** What the proxy process tells its parent once it listens (see commands/proxy-child.ts). */
export interface ProxyReady {
  toolgate: 'proxy-ready';
  url: string;
  publicUrl: string;
}

const isReady = (m: unknown): m is ProxyReady =>
  typeof m === 'object' && m !== null && (m as { toolgate?: unknown }).toolgate === 'proxy-ready';

export interface SupervisedProxy extends RunningService {
  /** The current proxy process's pid. */
  pid(): number | undefined;
}

export interface SuperviseOptions {
  /** Environment of the proxy process (the resolved database URL, keys, ports, …). */
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** How long a stopping proxy may drain before it is killed. */
  graceMs: number;
  /** How long the first start may take. */
  startTimeoutMs?: number;
}

const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;
/** A process that ran this long before dying restarts at once (back-off starts over). */
const STABLE_AFTER_MS = 60_000;

/**
 * `toolgate start`'s proxy, in its own process: MCP traffic gets its own heap and event loop,
 * apart from Next.js. The proxy runs this same CLI (`toolgate proxy --supervised`), reaches this
 * process's in-process bus over its IPC channel (invalidations from the UI, usage for the worker,
 * revocations), and is restarted with back-off if it dies. It exits when this process goes.
 */
export async function superviseProxy({
  env,
  log,
  graceMs,
  startTimeoutMs = 120_000,
}: SuperviseOptions): Promise<SupervisedProxy> {
  const bus = createBus({});
  let child: ChildProcess | undefined;
  let stopping = false;
  let restartDelay = FIRST_RESTART_DELAY_MS;
  let restartTimer: NodeJS.Timeout | undefined;
  let childEnv = env;
  const markStopping = () => void (stopping = true);
  process.once('SIGINT', markStopping).once('SIGTERM', markStopping);

  /** After a crash or a failed restart: try again after the back-off, for as long as we run. */
  const scheduleRestart = () => {
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (stopping) return;
      withDeadline(launch(), startTimeoutMs, () => child?.kill('SIGKILL')).then(
        (again) => log.info({ pid: child?.pid, url: again.url }, 'proxy process restarted'),
        (err: unknown) => {
          log.error(
            { err: (err as Error).message, retryInMs: restartDelay },
            'the proxy process failed to restart',
          );
          if (!stopping) scheduleRestart();
        },
      );
    }, restartDelay);
    restartDelay = Math.min(restartDelay * 2, MAX_RESTART_DELAY_MS);
  };

  const launch = (): Promise<ProxyReady> =>
    new Promise((resolve, reject) => {
      const startedAt = Date.now();
      const proc = fork(process.argv[1]!, ['proxy', '--supervised'], {
        env: childEnv,
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        // Its own process group: Ctrl-C reaches only this process, which stops the proxy in its
        // turn (SIGTERM, a full drain). It still ends with us: its IPC channel closes.
        detached: true,
      });
      child = proc;
      const served = serveBus(bus, processLink(proc));
      let ready = false;
      const onReady = (m: unknown) => {
        if (!isReady(m)) return;
        ready = true;
        proc.off('message', onReady);
        resolve(m);
      };
      proc.on('message', onReady);
      proc.once('error', (err) => log.error({ err: err.message }, 'proxy process error'));
      proc.once('exit', (code, signal) => {
        void served.close();
        if (child === proc) child = undefined;
        if (!ready) {
          reject(new Error(`the proxy process exited during start-up (${signal ?? `code ${code}`})`));
          return;
        }
        if (stopping) return;
        if (Date.now() - startedAt > STABLE_AFTER_MS) restartDelay = FIRST_RESTART_DELAY_MS;
        log.warn({ code, signal, restartInMs: restartDelay }, 'the proxy process exited; restarting it');
        scheduleRestart();
      });
    });

  const first = await withDeadline(launch(), startTimeoutMs, () => child?.kill('SIGKILL'));
  // A restarted proxy listens where the first one did (PROXY_PORT=0 picked a port once).
  childEnv = { ...env, PROXY_PORT: new URL(first.url).port };

  return {
    name: 'proxy',
    url: first.url,
    publicUrl: first.publicUrl,
    pid: () => child?.pid,
    async stop() {
      stopping = true;
      process.off('SIGINT', markStopping).off('SIGTERM', markStopping);
      if (restartTimer) clearTimeout(restartTimer);
      const proc = child;
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        proc.kill('SIGTERM');
        const killer = setTimeout(() => proc.kill('SIGKILL'), graceMs + 5_000);
        await exited;
        clearTimeout(killer);
      }
      await bus.close();
    },
  };
}

function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`the proxy process did not start within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
