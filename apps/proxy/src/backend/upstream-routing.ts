import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import { runnerKey } from '@toolgate/core/runner-auth';
import { RunnerDirectory, routeToRunners } from '@toolgate/mcp/runner-routing';
import { createUpstreamPool, type UpstreamPool } from '@toolgate/mcp/upstream';
import type { ProxyEnv } from '../env.ts';
import { refuseStdio } from './stdio-policy.ts';

export interface UpstreamRouting {
  /** Where every upstream request goes: the pool, or the runners for self-hosted servers. */
  routed: UpstreamPool;
  /** The live runners (TOOLGATE_RUNNERS), started and stopped with the proxy. */
  runners?: RunnerDirectory;
  /** The proxy's sessions with its runners, closed with the proxy. */
  runnerPool?: UpstreamPool;
}

/**
 * Self-hosted servers go to their runner; without runners, TOOLGATE_ALLOW_STDIO off means no
 * path through this proxy starts a local (stdio) server.
 */
export function routeUpstreams({
  env,
  pool,
  bus,
  log,
  secretRing,
  clientInfo,
}: {
  env: Pick<
    ProxyEnv,
    | 'TOOLGATE_RUNNERS'
    | 'TOOLGATE_ALLOW_STDIO'
    | 'UPSTREAM_CONNECT_TIMEOUT_MS'
    | 'UPSTREAM_CALL_TIMEOUT_MS'
    | 'UPSTREAM_IDLE_TIMEOUT_MS'
    | 'UPSTREAM_MAX_CONCURRENCY'
  >;
  pool: UpstreamPool;
  bus: Bus;
  log: Logger;
  secretRing: KeyRing;
  clientInfo: { name: string; version: string };
}): UpstreamRouting {
  const runners = env.TOOLGATE_RUNNERS
    ? new RunnerDirectory(bus.runners, {
        onError: (err) => log.warn({ err }, 'could not read the live runners; keeping the last list'),
      })
    : undefined;
  const runnerPool =
    runners &&
    createUpstreamPool({
      clientInfo,
      connectTimeoutMs: env.UPSTREAM_CONNECT_TIMEOUT_MS,
      callTimeoutMs: env.UPSTREAM_CALL_TIMEOUT_MS,
      idleTimeoutMs: env.UPSTREAM_IDLE_TIMEOUT_MS,
      maxConcurrency: env.UPSTREAM_MAX_CONCURRENCY,
      // Runners speak 2025-11-25 and are this deployment's own addresses (no SSRF guard).
      preferModern: false,
    });
  const routed =
    runners && runnerPool
      ? routeToRunners({ pool, runnerPool, directory: runners, runnerKey: runnerKey(secretRing) })
      : env.TOOLGATE_ALLOW_STDIO
        ? pool
        : refuseStdio(pool);
  return { routed, ...(runners ? { runners } : {}), ...(runnerPool ? { runnerPool } : {}) };
}
