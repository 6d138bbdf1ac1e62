import { RevocationsNotLoadedError, type Bus } from '@toolgate/bus';
import { TtlLru } from '@toolgate/core/lru';
import type { Database } from '@toolgate/db/client';
import { findRevokedIds } from '@toolgate/db/config-outbox';
import { reloadRevocations } from './config-delivery.ts';

/** How long an answer read from Postgres during an outage is reused (bounds the query rate). */
const FALLBACK_TTL_MS = 1_000;

/**
 * Every revocation check on the proxy (MCP sessions, OAuth access tokens, grants, signing keys)
 * goes through here, so all of them behave alike when the bus cannot answer: the revocation set
 * in Redis is a cache of `revoked_ids` in Postgres; when Redis is unreachable, or was emptied and
 * not yet reloaded, the answer comes from Postgres; when neither answers, `isRevoked` throws and
 * the caller refuses the request (fail closed: a revoked credential is never accepted for want
 * of an answer).
 */
export class RevocationChecker {
  private readonly fallbackAnswers = new TtlLru<string, boolean>(10_000, FALLBACK_TTL_MS);
  /** Checks answered from Postgres because the bus could not answer (metrics). */
  fallbacks = 0;

  constructor(private readonly deps: { db: Database; bus: Bus }) {}

  async isRevoked(ids: readonly string[]): Promise<boolean> {
    const { db, bus } = this.deps;
    try {
      return await bus.revocations.hasAny(ids);
    } catch (err) {
      if (err instanceof RevocationsNotLoadedError) reloadRevocations(db, bus).catch(() => undefined);
    }
    this.fallbacks++;
    const key = ids.join('\n');
    const remembered = this.fallbackAnswers.get(key);
    if (remembered !== undefined) return remembered;
    const revoked = (await findRevokedIds(db, ids)).length > 0;
    this.fallbackAnswers.set(key, revoked);
    return revoked;
  }

  /** An id this replica revoked itself counts at once, even in answers read from Postgres. */
  remember(id: string): void {
    this.fallbackAnswers.set(id, true, 60_000);
  }
}
