import type { RateLimiter } from './rate-limits.ts';

/**
 * What the proxies, web and workers share beyond Postgres. Two implementations pass one
 * contract suite: Redis/BullMQ for distributed deployments, in-process for one machine.
 */

/**
 * The cache every replica shares (Redis, or this process): serialized, version-tagged gateway
 * snapshots (and negative entries) and the principal records of tokens and users, as JSON.
 */
export interface SharedCache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Adds members to the set at `key` and (re)sets its expiry, in one round trip. Concurrent adds
   * never lose each other's members (a set, not a read-modify-write of a value).
   */
  addToSet(key: string, members: readonly string[], ttlSeconds: number): Promise<void>;
  /** The set's members (none when it is missing or expired), in no particular order. */
  members(key: string): Promise<string[]>;
}

/**
 * "Config changed", told to every replica. Each kind names what a replica must drop:
 * - `tenant`: everything of the tenant (configuration and callers);
 * - `gateway`: one gateway's configuration;
 * - `token`: a token whose cached principal must be dropped (revoked, expired early, re-scoped);
 * - `user`: a user whose cached principal (membership, role, teams) in the tenant must be dropped;
 * - `revoked`: a revocation-set id just added (an OAuth grant or access-token `jti`): replicas drop
 *   tokens they verified earlier that it names, at once, without asking the set per request;
 * - `resync`: never sent on the bus: a replica that noticed it missed messages for the tenant
 *   hands this to its own caches, which drop everything they hold of the tenant.
 */
export type InvalidationMessage = {
  tenantId: string;
  /** What changed, for logs. */
  reason: string;
  /** The tenant's configuration version this change produced (absent: sent outside the outbox). */
  version?: number;
} & (
  | { kind: 'tenant' }
  | { kind: 'gateway'; gatewayId: string }
  | { kind: 'token'; tokenHash: string }
  | { kind: 'user'; userId: string }
  | { kind: 'revoked'; revokedId: string }
  | { kind: 'resync' }
);

export type InvalidationKind = InvalidationMessage['kind'];

export type Unsubscribe = () => Promise<void>;

/** "Config changed" fan-out to every replica. */
export interface Invalidations {
  publish(message: InvalidationMessage): Promise<void>;
  subscribe(handler: (message: InvalidationMessage) => void): Promise<Unsubscribe>;
}

/**
 * Messages addressed to whichever replica holds a client's open stream (proxies have no sticky
 * sessions): replies a client POSTs to another replica, and legacy HTTP+SSE traffic. Delivery is
 * at-most-once to the subscribers of that moment, in publish order per publisher; messages are
 * JSON values. Handlers run asynchronously, never inside `publish`, and must not throw.
 */
export interface SessionChannel {
  publish(channel: string, message: unknown): Promise<void>;
  /** Resolves once messages published afterwards reach `handler`. */
  subscribe(channel: string, handler: (message: unknown) => void): Promise<Unsubscribe>;
}

export interface UsageBatch<E = unknown> {
  /** Unique per batch; a redelivered batch carries the same id so consumers can skip it. */
  id: string;
  events: E[];
}

export interface UsageConsumer {
  close(): Promise<void>;
}

export interface UsageQueueStats {
  waiting: number;
  active: number;
  failed: number;
}

/** Usage batches from proxies to workers, at-least-once with retries. */
export interface UsageQueue {
  enqueue(batch: UsageBatch): Promise<void>;
  /** Starts consuming; a handler that throws gets the batch again later (bounded attempts). */
  consume(handler: (batch: UsageBatch) => Promise<void>, options?: { concurrency?: number }): UsageConsumer;
  stats(): Promise<UsageQueueStats>;
}

/** Fixed-window counters for quotas and rate limits. */
export interface QuotaCounters {
  /** Adds `amount` in the window that contains now; returns the window's new total. */
  increment(key: string, amount: number, windowSeconds: number): Promise<number>;
  current(key: string, windowSeconds: number): Promise<number>;
}

/**
 * Ids (sessions, token ids, grants) refused until they would have expired anyway: a cache of the
 * durable record in Postgres. A set that lost its contents (a Redis restarted empty, a new
 * process on the in-process bus) says so instead of answering "not revoked": its checks throw
 * `RevocationsNotLoadedError` until `load` has filled it from the durable record.
 */
export interface RevocationSet {
  add(id: string, ttlSeconds: number): Promise<void>;
  has(id: string): Promise<boolean>;
  /** Whether any of `ids` is in the set: one round trip however many ids. */
  hasAny(ids: readonly string[]): Promise<boolean>;
  /** Adds every live revocation (`expiresAt` in unix seconds) and marks the set complete. */
  load(entries: readonly { id: string; expiresAt: number }[]): Promise<void>;
}

export class RevocationsNotLoadedError extends Error {
  constructor() {
    super('the revocation cache was emptied and has not been reloaded');
    this.name = 'RevocationsNotLoadedError';
  }
}

/**
 * The configuration version each tenant's delivered changes have reached. Proxies compare it
 * with the versions they have heard of, to notice an invalidation message they missed.
 */
export interface ConfigVersions {
  /** Raises the tenant's version to `version`; never lowers it. */
  raise(tenantId: string, version: number): Promise<void>;
  /** The versions of `tenantIds`, in order (undefined: none recorded). One round trip. */
  get(tenantIds: readonly string[]): Promise<(number | undefined)[]>;
}

/**
 * The events of resumable SSE streams (MCP 2025-11-25 resumability): a replica appends what it
 * writes on a stream; after the connection drops, whichever replica the client resumes on reads
 * them back. Bounded per stream in time (`ttlSeconds`, restarted by each append) and count.
 */
export interface StreamEvents {
  /** Appends one event; only the last `maxEvents` are kept. */
  append(streamId: string, event: string, ttlSeconds: number, maxEvents: number): Promise<void>;
  /** The stream's kept events in order; empty when unknown or expired. */
  read(streamId: string): Promise<string[]>;
}

/**
 * The runners (`toolgate runner`) that host self-hosted servers: each announces its internal URL
 * every few seconds with a time to live; proxies and the control plane read the live ones and pick
 * an installation's runner by rendezvous hashing (@toolgate/mcp/runner-routing), so every replica
 * routes an installation to the same runner while the set is stable.
 */
export interface RunnerRegistry {
  /** Records `url` as live for `ttlSeconds` (an announcement refreshes it). */
  announce(url: string, ttlSeconds: number): Promise<void>;
  /** Removes `url` at once (a runner stopping gracefully). */
  withdraw(url: string): Promise<void>;
  /** The live runners' URLs, sorted. One round trip. */
  live(): Promise<string[]>;
}

export type { RateLimitBucket, RateLimitDecision, RateLimiter } from './rate-limits.ts';

export interface Bus {
  /** `linked`: another process's bus, reached over its IPC channel (`toolgate start`'s proxy). */
  readonly kind: 'redis' | 'memory' | 'linked';
  readonly sharedCache: SharedCache;
  readonly invalidations: Invalidations;
  readonly sessions: SessionChannel;
  readonly usage: UsageQueue;
  readonly quotas: QuotaCounters;
  readonly revocations: RevocationSet;
  readonly configVersions: ConfigVersions;
  readonly streamEvents: StreamEvents;
  readonly runners: RunnerRegistry;
  /** Cluster-wide rate limits and quotas (rate-limits.ts). */
  readonly rateLimits: RateLimiter;
  /** Throws when the backing service is unreachable (readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const USAGE_MAX_ATTEMPTS = 10;

export const windowStart = (windowSeconds: number, now = Date.now()): number =>
  Math.floor(now / 1000 / windowSeconds) * windowSeconds;
