import { userPrincipalKey, type Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import type { DbHandle } from '@toolgate/db/client';
import { findUserPrincipal, type UserPrincipal } from '@toolgate/db/user-principals';
import { TieredLookup } from './tiered-lookup.ts';

interface Options {
  db: DbHandle;
  bus: Bus;
  log: Logger;
  localTtlMs?: number;
  sharedTtlSeconds?: number;
  /** The highest configuration version heard of for a tenant (SnapshotStore): older shared copies are stale. */
  knownVersion?: (tenantId: string) => number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Users (OAuth and IdP callers) as members of a tenant: in-process LRU → shared cache →
 * Postgres, like API-token principals. Membership changes reach every replica through
 * `invalidateUser` (bus); without one, a change shows after at most the two TTLs.
 */
export class UserPrincipals {
  private readonly records: TieredLookup<UserPrincipal>;

  constructor(private readonly options: Options) {
    this.records = new TieredLookup({
      bus: options.bus,
      log: options.log,
      what: 'user',
      isStale: (record) => record.configVersion < (options.knownVersion?.(record.tenantId) ?? 0),
      maxEntries: 50_000,
      localTtlMs: options.localTtlMs ?? 30_000,
      sharedTtlSeconds: options.sharedTtlSeconds ?? 60,
    });
  }

  /** Null when the user is not a member of the tenant (or the id is no user id at all). */
  get(tenantId: string, userId: string): Promise<UserPrincipal | null> {
    if (!UUID.test(userId)) return Promise.resolve(null);
    return this.records.get(userPrincipalKey(tenantId, userId), () =>
      findUserPrincipal(this.options.db.db, tenantId, userId),
    );
  }

  forget(tenantId: string, userId: string): void {
    this.records.forget(userPrincipalKey(tenantId, userId));
  }

  forgetTenant(tenantId: string): void {
    const prefix = userPrincipalKey(tenantId, '');
    this.records.forgetWhere((key) => key.startsWith(prefix));
  }
}
