import type { Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { TtlLru } from '@toolgate/core/lru';

/** What a tier did for one lookup; the owner counts these however it reports them. */
export type TierEvent =
  | 'hit'
  | 'miss'
  | 'shared_hit'
  | 'shared_stale'
  | 'shared_miss'
  | 'shared_error'
  | 'load'
  | 'load_error'
  | 'stale_served';

export interface TieredCacheOptions<Stored, Value> {
  bus: Bus;
  log: Logger;
  /** For warnings, e.g. "snapshot", "token". */
  what: string;
  maxEntries: number;
  /** Local (this process) lifetime of an entry; `negative` entries ("not found") live shorter. */
  localTtlMs: (value: Value) => number;
  /** Shared-cache lifetime of what `load` read. */
  sharedTtlSeconds: (stored: Stored) => number;
  /** What this replica keeps from what is stored (parsing, preparing); runs once per load. */
  prepare: (stored: Stored) => Value;
  /**
   * A shared copy older than a change this replica heard of (written back by a replica that read
   * it before the change) is not used: it is read afresh and replaced.
   */
  isStale?: (value: Value) => boolean;
  /** Keep the last good value per key and serve it when the source fails (stale-on-error). */
  serveStaleOnError?: (value: Value) => boolean;
  onEvent?: (event: TierEvent) => void;
}

/**
 * Records the proxy needs per request but Postgres owns, in three tiers: an in-process LRU, the
 * cache every replica shares (bus.sharedCache, JSON), then `load`. Concurrent lookups of one key
 * share one load (single flight). Control-plane changes delete the shared copy and tell every
 * replica to forget theirs; otherwise a change shows within the two lifetimes.
 */
export class TieredCache<Stored, Value> {
  private readonly local: TtlLru<string, Value>;
  private readonly loading = new Map<string, Promise<Value>>();
  /** Last good value per key, kept past its lifetime for outages (when stale-on-error is on). */
  private readonly lastGood = new Map<string, Value>();

  constructor(private readonly options: TieredCacheOptions<Stored, Value>) {
    this.local = new TtlLru(options.maxEntries, 60_000);
  }

  /** The local value, if any, without touching a lower tier. */
  peek(key: string): Value | undefined {
    return this.local.get(key);
  }

  /** `key` is the shared-cache key; `load` reads from the source of truth. */
  get(key: string, load: () => Promise<Stored>): Value | Promise<Value> {
    const cached = this.local.get(key);
    if (cached !== undefined) {
      this.options.onEvent?.('hit');
      return cached;
    }
    this.options.onEvent?.('miss');
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.fill(key, load).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  forget(key: string): void {
    this.local.delete(key);
  }

  /** Drops matching values from this replica (and from the outage copies). */
  forgetWhere(matches: (value: Value, key: string) => boolean): void {
    this.local.deleteWhere(matches);
    for (const [key, value] of this.lastGood) if (matches(value, key)) this.lastGood.delete(key);
  }

  /** The outage copies held: what this replica has served since it started. */
  lastGoodValues(): IterableIterator<Value> {
    return this.lastGood.values();
  }

  private async fill(key: string, load: () => Promise<Stored>): Promise<Value> {
    const { bus, log, what, onEvent } = this.options;
    let shared: string | null = null;
    let sharedFailed = false;
    try {
      shared = await bus.sharedCache.get(key);
    } catch (err) {
      sharedFailed = true;
      onEvent?.('shared_error');
      log.warn({ err: (err as Error).message }, `shared ${what} cache unavailable`);
    }
    if (shared !== null) {
      const value = this.options.prepare(JSON.parse(shared) as Stored);
      if (!this.options.isStale?.(value)) {
        onEvent?.('shared_hit');
        return this.remember(key, value);
      }
      onEvent?.('shared_stale');
    } else if (!sharedFailed) onEvent?.('shared_miss');
    let stored: Stored;
    try {
      stored = await load();
      onEvent?.('load');
    } catch (err) {
      const stale = this.lastGood.get(key);
      if (stale !== undefined) {
        onEvent?.('stale_served');
        log.warn({ err: (err as Error).message, key }, `source unavailable: serving the last known ${what}`);
        return stale;
      }
      onEvent?.('load_error');
      throw err;
    }
    const value = this.remember(key, this.options.prepare(stored));
    bus.sharedCache
      .set(key, JSON.stringify(stored), this.options.sharedTtlSeconds(stored))
      .catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, `could not store a ${what} in the shared cache`);
      });
    return value;
  }

  private remember(key: string, value: Value): Value {
    this.local.set(key, value, this.options.localTtlMs(value));
    if (this.options.serveStaleOnError?.(value)) this.lastGood.set(key, value);
    return value;
  }
}
