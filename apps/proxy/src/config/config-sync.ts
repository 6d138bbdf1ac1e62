import type { Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import type { SnapshotStore } from './snapshot-store.ts';

/**
 * Notices invalidation messages this replica missed. Pub/sub delivers to whoever is connected:
 * a proxy cut off from Redis while a change was published never hears of it, and would serve a
 * revoked token or a removed tool until its caches expire. Every delivered change raises its
 * tenant's version in Redis after its messages went out; once a second this replica reads the
 * versions of the tenants it holds (one HMGET) and drops everything of a tenant whose version
 * passed what it heard of.
 */
export class ConfigSync {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Whether the last check could read the versions (Redis reachable). */
  reachable = true;

  constructor(
    private readonly options: { bus: Bus; store: SnapshotStore; log: Logger; intervalMs?: number },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.check().finally(() => (this.running = undefined));
    }, this.options.intervalMs ?? 1_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async check(): Promise<void> {
    const { bus, store } = this.options;
    const tenants = store.cachedTenants();
    if (tenants.length === 0) return;
    let versions: (number | undefined)[];
    try {
      versions = await bus.configVersions.get(tenants);
      this.reachable = true;
    } catch {
      // Nothing to compare with; the next check after Redis is back catches up.
      this.reachable = false;
      return;
    }
    tenants.forEach((tenantId, i) => {
      const version = versions[i];
      if (version !== undefined && version > store.knownVersion(tenantId)) store.resync(tenantId, version);
    });
  }
}
