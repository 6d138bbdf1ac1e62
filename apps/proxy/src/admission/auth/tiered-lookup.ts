import type { Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { TieredCache } from '../../config/tiered-cache.ts';

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
 * The principals of API tokens and users, which the proxy needs per request but Postgres owns:
 * the tiered cache (config/tiered-cache.ts) with "none" remembered briefly. A record that cannot
 * be read is never served from an older copy: the caller is told the check is unavailable.
 */
export class TieredLookup<T> {
  private readonly cache: TieredCache<T | null, T | null>;

  constructor(options: Options<T>) {
    const { isStale } = options;
    this.cache = new TieredCache<T | null, T | null>({
      bus: options.bus,
      log: options.log,
      what: options.what,
      maxEntries: options.maxEntries,
      localTtlMs: (record) => (record ? options.localTtlMs : MISS_LOCAL_TTL_MS),
      sharedTtlSeconds: (record) => (record ? options.sharedTtlSeconds : MISS_SHARED_TTL_SECONDS),
      prepare: (record) => record,
      ...(isStale ? { isStale: (record: T | null) => record !== null && isStale(record) } : {}),
    });
  }

  /** `key` is the shared-cache key; `load` reads the record (null: there is none). */
  async get(key: string, load: () => Promise<T | null>): Promise<T | null> {
    return this.cache.get(key, load);
  }

  forget(key: string): void {
    this.cache.forget(key);
  }

  forgetWhere(matches: (key: string) => boolean): void {
    this.cache.forgetWhere((_, key) => matches(key));
  }

  forgetRecords(matches: (record: T) => boolean): void {
    this.cache.forgetWhere((record) => record !== null && matches(record));
  }
}
