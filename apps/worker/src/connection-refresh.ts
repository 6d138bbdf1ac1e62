import { refreshDueConnections } from '@toolgate/api/services/connections';
import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import type { Database } from '@toolgate/db/client';

/** How often the worker looks for connections whose access token expires soon. */
const SWEEP_EVERY_MS = 30_000;

export interface ConnectionRefreshOptions {
  db: Database;
  bus: Bus;
  log: Logger;
  secretKeys?: KeyRing;
  /**
   * Tokens with less than this left (and less than half their life left) are refreshed; 0 turns
   * refreshing off.
   */
  aheadMs: number;
  allowPrivate: boolean;
}

/**
 * Connected accounts refreshed ahead of time: a sweep shortly after start, then every 30 s,
 * refreshing access tokens with less than `aheadMs` left, once past half their life (a token that
 * lives no longer than `aheadMs` is not refreshed at every sweep). Rows are claimed, so every
 * worker may run it.
 */
export function createConnectionRefresh(options: ConnectionRefreshOptions) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const { log, secretKeys } = options;
  const sweep = async () => {
    if (!secretKeys) return;
    const counts = await refreshDueConnections({ ...options, keys: secretKeys });
    if (counts.refreshed + counts.needs_reconnect + counts.failed > 0)
      log.info(counts, 'connected accounts refreshed ahead of expiry');
  };
  return {
    runOnce(): Promise<void> {
      running ??= sweep().finally(() => (running = undefined));
      return running;
    },
    start() {
      if (options.aheadMs === 0 || !secretKeys || timer) return;
      const tick = () =>
        void this.runOnce().catch((err: unknown) =>
          log.warn({ err: (err as Error).message }, 'refreshing connected accounts failed'),
        );
      timer = setInterval(tick, SWEEP_EVERY_MS);
      timer.unref();
      tick();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}
