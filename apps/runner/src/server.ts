import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { createBus, type Bus } from '@toolgate/bus';
import { createLogger, type Logger } from '@toolgate/core/logger';
import { advertisedUrl, announceRunner } from './announce.ts';
import { createDb } from '@toolgate/db/client';
import { parseKeyRing } from '@toolgate/core/crypto';
import { startKubernetesBackend } from './kubernetes/create-kubernetes-backend.ts';
import { buildRunner, packagesDir } from './build-runner.ts';
import type { RunnerEnv } from './env.ts';
import { createProcessBackend } from './sandbox/process-backend.ts';
import { createSandboxBackend } from './sandbox/sandbox-backend.ts';
import type { SandboxBackend } from './sandbox/sandbox-spec.ts';

/**
 * The backend RUNNER_BACKEND names; `process` is refused by env.ts unless TOOLGATE_ALLOW_STDIO.
 * No server may see `protectedPaths` (the runner's data dir always, key files, Toolgate's data).
 */
export async function createBackend(
  env: RunnerEnv,
  log: Logger,
  protectedPaths: string[] = [],
): Promise<SandboxBackend> {
  if (env.RUNNER_BACKEND === 'kubernetes')
    throw new Error(
      'RUNNER_BACKEND=kubernetes is made by startRunner (startKubernetesBackend), with the database',
    );
  if (env.RUNNER_BACKEND === 'process') {
    log.warn(
      'RUNNER_BACKEND=process: self-hosted servers run WITHOUT ISOLATION on this host (TOOLGATE_ALLOW_STDIO=true). Development only.',
    );
    return createProcessBackend({ log });
  }
  return createSandboxBackend({
    log,
    protectedPaths: [env.RUNNER_DATA_DIR, ...protectedPaths],
    packagesDir: packagesDir(env.RUNNER_DATA_DIR),
  });
}

export interface RunningRunner {
  /** Where it listens. */
  url: string;
  /** Where proxies reach it (announced on the bus when there is one). */
  advertisedUrl: string;
  stop(): Promise<void>;
}

/**
 * Builds and starts the runner from a validated env: listens on RUNNER_HOST:RUNNER_PORT and
 * announces itself on `options.bus` (`toolgate start`'s) or, with REDIS_URL, on Redis.
 */
export async function startRunner(
  env: RunnerEnv,
  options: { protectedPaths?: string[]; bus?: Bus } = {},
): Promise<RunningRunner> {
  const log = createLogger({ name: 'runner', level: env.LOG_LEVEL });
  await mkdir(env.RUNNER_DATA_DIR, { recursive: true, mode: 0o700 });
  const db = createDb({
    url: env.DATABASE_URL,
    applicationName: 'toolgate-runner',
    max: 4,
    queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
  });
  // kubernetes needs the database first: it collects the objects of deleted installations.
  let backend: SandboxBackend;
  let stopBackend: (() => void) | undefined;
  try {
    if (env.RUNNER_BACKEND === 'kubernetes') {
      const kubernetes = await startKubernetesBackend({
        env,
        db: db.db,
        ring: parseKeyRing(env.TOOLGATE_SECRET_KEYS),
        log,
      });
      backend = kubernetes.backend;
      stopBackend = () => kubernetes.stop();
    } else backend = await createBackend(env, log, options.protectedPaths);
  } catch (error) {
    await db.close();
    throw error;
  }
  const ownBus = options.bus ? undefined : env.REDIS_URL ? createBus({ redisUrl: env.REDIS_URL }) : undefined;
  const bus = options.bus ?? ownBus;
  // Proxies find a runner through Redis: without it, this one is unreachable to them.
  const checks = bus?.kind === 'redis' ? { redis: () => bus.ping() } : undefined;
  const runner = buildRunner({ env, db, log, backend, ...(checks ? { checks } : {}) });
  await new Promise<void>((resolve, reject) => {
    runner.server.once('error', reject);
    runner.server.listen(env.RUNNER_PORT, env.RUNNER_HOST, () => resolve());
  });
  const { port } = runner.server.address() as AddressInfo;
  const host = env.RUNNER_HOST.includes(':') ? `[${env.RUNNER_HOST}]` : env.RUNNER_HOST;
  const url = `http://${host}:${port}`;
  const advertised = advertisedUrl(env.RUNNER_HOST, port, env.RUNNER_ADVERTISE_URL);
  const announcement = bus ? announceRunner(bus.runners, advertised, log) : undefined;
  if (!bus) log.warn('no REDIS_URL: this runner is not announced, so no proxy routes to it');
  log.info({ url, advertised, backend: backend.kind, limits: backend.limits }, 'runner listening');
  return {
    url,
    advertisedUrl: advertised,
    async stop() {
      stopBackend?.();
      await announcement?.stop();
      await ownBus?.close();
      const closed = new Promise<void>((resolve) => runner.server.close(() => resolve()));
      await runner.close();
      runner.server.closeAllConnections();
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, env.SHUTDOWN_GRACE_MS))]);
      await db.close();
    },
  };
}
