import type { Mailer } from '@toolgate/api/mail/mailer';
import { checkDueInstallations } from '@toolgate/api/services/check-installation-health';
import type { Bus } from '@toolgate/bus';
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
  /** Invalidates gateways whose tools a server's version change re-checked. */
  bus: Bus;
  /** Emails owners and admins when a server reports another version (nothing leaves without SMTP). */
  mailer: Mailer;
  /** PUBLIC_WEB_URL: those emails link to the installation's page there. */
  publicWebUrl: string;
}

/** How often the worker looks for installations due a check (each is checked once per interval). */
const SWEEP_EVERY_MS = 15_000;

/**
 * Scheduled health checks of remote installations, shared by every worker (rows are claimed).
 * A sweep runs shortly after start, then every 15 s, checking what is due. A check also records
 * the version the server reports; a change re-checks its tool definitions and is announced.
 */
export function createInstallationHealth({
  db,
  log,
  intervalMs,
  secretKeys,
  issuer,
  allowPrivate,
  bus,
  mailer,
  publicWebUrl,
}: InstallationHealthOptions) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const counts = { checked: 0, sweeps: 0 };

  const sweep = async () => {
    const result = await checkDueInstallations({
      db,
      intervalMs,
      secretKeys,
      issuer,
      allowPrivate,
      bus,
      versionMail: { mailer, publicWebUrl, log },
    });
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
