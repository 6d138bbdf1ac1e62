import type { Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { TtlLru } from '@toolgate/core/lru';

interface Options<T> {
  bus: Bus;
  log: Logger;
  /** For the warning when the shared cache is unreachable, e.g. "token". */
  what: string;
  maxEntries: number;
  localTtlMs: number;
  sharedTtlSeconds: number;
  /**
   * A shared copy older than a change this replica heard of (written back by a replica that read
   * it before the change) is not used: it is read afresh and replaced.
   */
  isStale?: (record: T) => boolean;
}

/** "Not found" is remembered too, briefly, so guessing cannot hammer Postgres. */
const MISS_LOCAL_TTL_MS = 5_000;
const MISS_SHARED_TTL_SECONDS = 5;

/**
 * Records the proxy needs per request but Postgres owns (API-token and user principals): in-process
 * LRU → shared cache (bus.sharedCache, plain JSON) → `load`. Control-plane changes delete the shared
 * copy and tell every replica to `forget` theirs; otherwise a change shows within the two TTLs.
 */
export class TieredLookup<T> {
  private readonly local: TtlLru<string, T | null>;

  constructor(private readonly options: Options<T>) {
    this.local = new TtlLru(options.maxEntries, options.localTtlMs);
  }

  /** `key` is the shared-cache key; `load` reads the record (null: there is none). */
  async get(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const cached = this.local.get(key);
    if (cached !== undefined) return cached;
    const { bus, log } = this.options;
    try {
      const shared = await bus.sharedCache.get(key);
      const record = shared ? (JSON.parse(shared) as T | null) : undefined;
      if (record === null || (record !== undefined && !this.options.isStale?.(record)))
        return this.remember(key, record);
    } catch (err) {
      log.warn({ err: (err as Error).message }, `shared ${this.options.what} cache unavailable`);
    }
    const record = this.remember(key, await load());
    const ttl = record ? this.options.sharedTtlSeconds : MISS_SHARED_TTL_SECONDS;
    bus.sharedCache.set(key, JSON.stringify(record), ttl).catch(() => {});
    return record;
  }

  forget(key: string): void {
    this.local.delete(key);
  }

  forgetWhere(matches: (key: string) => boolean): void {
    this.local.deleteWhere((_, key) => matches(key));
  }

  forgetRecords(matches: (record: T) => boolean): void {
    this.local.deleteWhere((record) => record !== null && matches(record));
  }

  private remember(key: string, record: T | null): T | null {
    this.local.set(key, record, record ? undefined : MISS_LOCAL_TTL_MS);
    return record;
  }
}
