import { userPrincipalKey, type Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { TtlLru } from '@toolgate/core/lru';
import type { DbHandle } from '@toolgate/db/client';
import { findUserPrincipal, type UserPrincipal } from '@toolgate/db/user-principals';

interface Options {
  db: DbHandle;
  bus: Bus;
  log: Logger;
  localTtlMs?: number;
  sharedTtlSeconds?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Users (OAuth and IdP callers) as members of a tenant: in-process LRU → shared cache →
 * Postgres, like API-token principals. Membership changes reach every replica through
 * `invalidateUser` (bus); without one, a change shows after at most the two TTLs.
 */
export class UserPrincipals {
  private readonly local: TtlLru<string, UserPrincipal | null>;
  private readonly sharedTtlSeconds: number;

  constructor(private readonly options: Options) {
    this.local = new TtlLru(50_000, options.localTtlMs ?? 30_000);
    this.sharedTtlSeconds = options.sharedTtlSeconds ?? 60;
  }

  /** Null when the user is not a member of the tenant (or the id is no user id at all). */
  async get(tenantId: string, userId: string): Promise<UserPrincipal | null> {
    if (!UUID.test(userId)) return null;
    const key = userPrincipalKey(tenantId, userId);
    const cached = this.local.get(key);
    if (cached !== undefined) return cached;
    const { bus, db, log } = this.options;
    try {
      const shared = await bus.snapshots.get(key);
      if (shared) {
        const record = JSON.parse(shared) as UserPrincipal | null;
        this.local.set(key, record, record ? undefined : 5_000);
        return record;
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'shared user cache unavailable');
    }
    const record = await findUserPrincipal(db.db, tenantId, userId);
    this.local.set(key, record, record ? undefined : 5_000);
    bus.snapshots.set(key, JSON.stringify(record), record ? this.sharedTtlSeconds : 5).catch(() => {});
    return record;
  }

  forget(tenantId: string, userId: string): void {
    this.local.delete(userPrincipalKey(tenantId, userId));
  }

  forgetTenant(tenantId: string): void {
    this.local.deleteWhere((_, key) => key.startsWith(userPrincipalKey(tenantId, '')));
  }
}
