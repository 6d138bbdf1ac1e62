import { applyConfigChange, RevocationsNotLoadedError, type Bus } from '@toolgate/bus';
import type { ConfigChange, PendingConfigChange } from '@toolgate/core/config-change';
import type { Logger } from '@toolgate/core/logger';
import type { Database } from '@toolgate/db/client';
import {
  deleteConfigChanges,
  liveRevokedIds,
  recordConfigChange,
  relayConfigChanges,
} from '@toolgate/db/config-outbox';

/**
 * Delivery of recorded configuration changes (the outbox in @toolgate/db) to the bus. A writer
 * delivers its own changes right after its transaction commits (`deliverConfigChanges`), so a
 * change normally reaches every proxy before the request that made it answers; `ConfigRelay`
 * runs in web and worker processes and delivers what a writer could not (Redis unreachable from
 * that process, a crash between commit and delivery) until it is delivered.
 */

/** Delivers changes just recorded, in order; never throws: what fails is left to ConfigRelay. */
export async function deliverConfigChanges(
  db: Database,
  bus: Bus,
  recorded: readonly PendingConfigChange[],
  log?: Logger,
): Promise<boolean> {
  const delivered: number[] = [];
  for (const pending of recorded) {
    try {
      await applyConfigChange(bus, pending);
      delivered.push(pending.seq);
    } catch (err) {
      log?.warn({ err: (err as Error).message }, 'configuration change saved; delivery will be retried');
      break;
    }
  }
  await deleteConfigChanges(db, delivered).catch(() => undefined);
  return delivered.length === recorded.length;
}

/**
 * Records changes in a transaction of their own, then delivers them: for writes that follow
 * another commit (revocations after the grant or client is gone). A crash between the two
 * loses only the proxies' early notice, never the write itself.
 */
export async function recordAndDeliver(
  db: Database,
  bus: Bus,
  changes: readonly ConfigChange[],
  log?: Logger,
): Promise<void> {
  if (changes.length === 0) return;
  const recorded = await db.transaction(async (tx) => {
    const list: PendingConfigChange[] = [];
    for (const change of changes) list.push(await recordConfigChange(tx, change));
    return list;
  });
  await deliverConfigChanges(db, bus, recorded, log);
}

/** Fills an emptied revocation cache from the durable record; single-flight per bus. */
const loading = new WeakMap<Bus, Promise<void>>();
export function reloadRevocations(db: Database, bus: Bus): Promise<void> {
  let pending = loading.get(bus);
  if (!pending) {
    pending = liveRevokedIds(db)
      .then((entries) => bus.revocations.load(entries))
      .finally(() => loading.delete(bus));
    loading.set(bus, pending);
  }
  return pending;
}

/** Whether the revocation cache was emptied (a Redis restarted empty) and must be reloaded. */
async function revocationsEmptied(bus: Bus): Promise<boolean> {
  try {
    await bus.revocations.hasAny([]);
    return false;
  } catch (err) {
    return err instanceof RevocationsNotLoadedError;
  }
}

/** Reloads the revocation cache when it was emptied (start-up of a proxy, web or worker). */
export async function reloadRevocationsIfEmptied(db: Database, bus: Bus): Promise<void> {
  if (await revocationsEmptied(bus)) await reloadRevocations(db, bus);
}

export interface ConfigRelayOptions {
  db: Database;
  bus: Bus;
  log: Logger;
  /** How often undelivered changes are retried and the revocation cache checked. */
  intervalMs?: number;
  /** Changes younger than this are left to their writer. */
  graceMs?: number;
  /** Only these tenants' changes (tests sharing one database between several buses). */
  tenantIds?: readonly string[];
}

/** The background half of delivery: retries every `intervalMs` until the outbox is empty. */
export class ConfigRelay {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private ticking: Promise<void> | undefined;
  /** Monotonic counts (metrics). */
  readonly stats = { delivered: 0, failedPasses: 0, reloads: 0 };

  constructor(private readonly options: ConfigRelayOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
  }

  /** One pass: reload an emptied revocation cache, then deliver what waits. Never throws. */
  async tick(): Promise<void> {
    const { db, bus, log } = this.options;
    if (await revocationsEmptied(bus)) {
      this.stats.reloads++;
      await reloadRevocations(db, bus).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'could not reload the revocation cache');
      });
    }
    try {
      const result = await relayConfigChanges(db, (pending) => applyConfigChange(bus, pending), {
        olderThanMs: this.options.graceMs ?? 1_000,
        ...(this.options.tenantIds ? { tenantIds: this.options.tenantIds } : {}),
      });
      this.stats.delivered += result.delivered;
      if (result.pending > 0) {
        this.stats.failedPasses++;
        log.warn({ pending: result.pending }, 'configuration changes wait for the bus');
      }
    } catch (err) {
      this.stats.failedPasses++;
      log.warn({ err: (err as Error).message }, 'could not relay configuration changes');
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        this.schedule(this.options.intervalMs ?? 1_000);
      });
    }, delayMs);
    this.timer.unref();
  }
}
