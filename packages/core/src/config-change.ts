/**
 * A change of configuration or credentials that every proxy replica must learn of. Services
 * record one in Postgres in the transaction that makes the change (the outbox); a relay applies
 * it to the shared cache and the invalidation channel until that succeeds, so a change saved
 * while Redis is unreachable still reaches every proxy once it is back.
 */
/** The tenant id of a change that concerns every tenant (a signing key dropped). */
export const ALL_TENANTS = '*';

export interface ConfigChange {
  /** A tenant's id, or ALL_TENANTS. */
  tenantId: string;
  /** What changed, for logs and for subscribers that only care about some kinds. */
  reason: string;
  /** Gateways whose snapshots are stale, by id (replicas) and slug (shared-cache keys). */
  gateways?: { id: string; slug: string }[];
  /** Needed with `gateways`: shared-cache keys are by slug. */
  tenantSlug?: string;
  /** Every gateway of the tenant is stale. */
  tenantWide?: boolean;
  /** API tokens whose cached principals must be dropped (revoked, re-scoped). */
  tokenHashes?: string[];
  /** A user whose cached principal (membership, role, teams) must be dropped. */
  userId?: string;
  /** An id refused until `expiresAt` (unix seconds): OAuth grants and tokens, MCP sessions. */
  revoked?: { id: string; expiresAt: number };
}

/** A recorded change: `version` is the tenant's configuration version it produced. */
export interface PendingConfigChange {
  seq: number;
  version: number;
  change: ConfigChange;
}
