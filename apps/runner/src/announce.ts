import { hostname } from 'node:os';
import type { RunnerRegistry } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { RUNNER_ANNOUNCE_TTL_SECONDS } from '@toolgate/mcp/runner-routing';

/** The URL proxies reach a runner at: RUNNER_ADVERTISE_URL, else its listening address. */
export function advertisedUrl(listenHost: string, port: number, configured?: string): string {
  if (configured) return configured.replace(/\/+$/, '');
  const wildcard = listenHost === '0.0.0.0' || listenHost === '::' || listenHost === '';
  const host = wildcard ? hostname() : listenHost;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Keeps this runner in the registry proxies read (every third of the announcement's time to live),
 * and takes it out at once on `stop`. A failed announcement is logged and retried on the next beat.
 */
export function announceRunner(
  registry: RunnerRegistry,
  url: string,
  log: Logger,
): { stop(): Promise<void> } {
  let failing = false;
  const beat = () =>
    registry.announce(url, RUNNER_ANNOUNCE_TTL_SECONDS).then(
      () => {
        if (failing) log.info({ url }, 'runner announced again');
        failing = false;
      },
      (error: unknown) => {
        if (!failing)
          log.warn({ err: error, url }, 'runner could not announce itself; proxies may not reach it');
        failing = true;
      },
    );
  void beat();
  const timer = setInterval(beat, (RUNNER_ANNOUNCE_TTL_SECONDS * 1000) / 3);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await registry.withdraw(url).catch(() => undefined);
    },
  };
}
