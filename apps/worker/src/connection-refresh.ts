import { refreshDueConnections } from '@toolgate/api/services/connections';
import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import type { Database } from '@toolgate/db/client';
import { periodicJob } from './periodic.ts';

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
  /** How often due connections are looked for (default 30 s). */
  intervalMs?: number;
  allowPrivate: boolean;
}

/**
 * Connected accounts refreshed ahead of time: a sweep shortly after start, then every
 * `intervalMs`, refreshing access tokens with less than `aheadMs` left, once past half their life
 * (a token that lives no longer than `aheadMs` is not refreshed at every sweep). Rows are claimed,
 * so every worker may run it.
 */
export function createConnectionRefresh(options: ConnectionRefreshOptions) {
  const { log, secretKeys, aheadMs, intervalMs = 30_000 } = options;
  const on = aheadMs > 0 && secretKeys !== undefined;
  return periodicJob('refreshing connected accounts', on ? intervalMs : 0, log, async () => {
    if (!secretKeys) return;
    const counts = await refreshDueConnections({ ...options, keys: secretKeys });
    if (counts.refreshed + counts.needs_reconnect + counts.failed > 0)
      log.info(counts, 'connected accounts refreshed ahead of expiry');
  });
}
