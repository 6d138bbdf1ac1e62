import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface GatewayHandle {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  databaseUrl: string;
  redisUrl: string | undefined;
  busPrefix: string;
  sessionKeys: string;
  secretKeys: string;
  path: string;
  home: string;
  nodeArgs: string[];
}

const ENTRY = fileURLToPath(new URL('./gateway-process.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const running = new Set<() => void>();
process.once('exit', () => {
  for (const kill of running) kill();
});

/** Spawns bench/gateway-process.ts (node --import tsx) and resolves with its URL once it listens. */
export async function startGateway(options: GatewayOptions): Promise<GatewayHandle> {
  const child = spawn(process.execPath, [...options.nodeArgs, '--import', 'tsx', ENTRY], {
    cwd: REPO_ROOT,
    // Only what the proxy needs; the caller's environment stays out of it.
    env: {
      PATH: options.path,
      HOME: options.home,
      DATABASE_URL: options.databaseUrl,
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
      BENCH_BUS_PREFIX: options.busPrefix,
      TOOLGATE_SESSION_KEYS: options.sessionKeys,
      TOOLGATE_SECRET_KEYS: options.secretKeys,
      TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: 'true',
      HOST: '127.0.0.1',
      PROXY_PORT: '0',
      LOG_LEVEL: 'warn',
      UPSTREAM_CALL_TIMEOUT_MS: '30000',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = () => child.kill('SIGKILL');
  running.add(kill);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gateway did not start within 30 s')), 30_000);
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited during start-up (${signal ?? code})`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(kill, 10_000);
      await exited;
      clearTimeout(timer);
      running.delete(kill);
    },
  };
}
