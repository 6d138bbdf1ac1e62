import type { RevocationChecker } from '@toolgate/auth/revocation-check';
import type { Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import type { DbHandle } from '@toolgate/db/client';
import { recordConfigChange } from '@toolgate/db/config-outbox';

/**
 * Ended MCP sessions (DELETE, a closed legacy stream), refused on every replica until they would
 * have expired anyway. The record is durable like every other revocation: Postgres holds it (and
 * the outbox delivers it to replicas that could not hear of it now), Redis is the cache every
 * request asks.
 */
export class SessionRevocations {
  constructor(
    private readonly deps: { db: DbHandle; bus: Bus; revocations: RevocationChecker; log: Logger },
  ) {}

  /** Ends a session; false when neither Postgres nor Redis could record it. */
  async end(tenantId: string, sid: string, expiresAt: number): Promise<boolean> {
    const { db, bus, log, revocations } = this.deps;
    revocations.remember(sid);
    const ttl = Math.max(1, expiresAt - Math.floor(Date.now() / 1000));
    const [durable, cached] = await Promise.all([
      recordConfigChange(db.db, { tenantId, reason: 'session ended', revoked: { id: sid, expiresAt } }).then(
        () => true,
        (err: unknown) => {
          log.warn({ err: (err as Error).message }, 'could not record a session revocation in the database');
          return false;
        },
      ),
      bus.revocations.add(sid, ttl).then(
        () => true,
        (err: unknown) => {
          log.warn({ err: (err as Error).message }, 'could not cache a session revocation');
          return false;
        },
      ),
    ]);
    return durable || cached;
  }

  /** Whether the session was ended; throws when neither Redis nor Postgres can say (refuse then). */
  isEnded(sid: string): Promise<boolean> {
    return this.deps.revocations.isRevoked([sid]);
  }
}
