import { checkDueInstallations } from '@toolgate/api/services/check-installation-health';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import type { Database } from '@toolgate/db/client';

export interface InstallationHealthOptions {
  db: Database;
  log: Logger;
  /** Each installation is checked once per interval; 0 turns checks off. */
  intervalMs: number;
  secretKeys?: KeyRing;
  /** issuerFrom(PUBLIC_WEB_URL): `jwt` servers are checked with a Forwarded JWT Toolgate signs. */
  issuer: string;
  allowPrivate: boolean;
}

/** How often the worker looks for installations due a check (each is checked once per interval). */
const SWEEP_EVERY_MS = 15_000;

/**
 * Scheduled health checks of remote installations, shared by every worker (rows are claimed).
 * A sweep runs shortly after start, then every 15 s, checking what is due.
 */
export function createInstallationHealth({
  db,
  log,
  intervalMs,
  secretKeys,
  issuer,
  allowPrivate,
}: InstallationHealthOptions) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const counts = { checked: 0, sweeps: 0 };

  const sweep = async () => {
    const result = await checkDueInstallations({ db, intervalMs, secretKeys, issuer, allowPrivate });
    counts.sweeps++;
    counts.checked += result.checked;
    if (result.checked > 0) log.info(result, 'installations health-checked');
  };

  return {
    counts,
    /** One sweep now (or the one under way). */
    runOnce(): Promise<void> {
      running ??= sweep().finally(() => (running = undefined));
      return running;
    },
    start() {
      if (intervalMs === 0 || timer) return;
      const tick = () => {
        void this.runOnce().catch((err: unknown) =>
          log.warn({ err: (err as Error).message }, 'installation health checks failed'),
        );
      };
      timer = setInterval(tick, Math.min(SWEEP_EVERY_MS, intervalMs));
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
