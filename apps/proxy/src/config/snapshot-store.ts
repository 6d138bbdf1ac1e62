import { snapshotKey, type Bus, type InvalidationMessage } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import type {
  GatewaySnapshot,
  SnapshotInstallation,
  SnapshotPrompt,
  SnapshotResourceServer,
  SnapshotTool,
  SnapshotUpstream,
} from '@toolgate/core/snapshot';
import type { DbHandle } from '@toolgate/db/client';
import { loadGatewaySnapshot, type SnapshotLoad } from '@toolgate/db/gateway-snapshot';
import { prepareToolSearch, type ToolSearch } from '../dispatch/meta-tools.ts';
import { DEFAULT_PLANS_CONFIG, type PlansConfig } from '@toolgate/core/plans';
import { hasToolLimits, trafficLimitsOf, type GatewayLimits } from '../dispatch/call-limits.ts';
import { TieredCache, type TierEvent } from './tiered-cache.ts';

/** A snapshot with the lookups a request needs, built once per snapshot version. */
export interface PreparedGateway {
  snapshot: GatewaySnapshot;
  toolByName: Map<string, SnapshotTool>;
  /**
   * tools/list entries, ready to serialize (tools of refused entries left out). With tool
   * exposure 'search', the gateway's search_tools and call_tool instead (see meta-tools.ts).
   */
  listedTools: Record<string, unknown>[];
  /** Tool exposure 'search' only: the index search_tools ranks the gateway's tools with. */
  toolSearch?: ToolSearch;
  /** Prompts and resource servers to list and advertise (those of refused entries left out). */
  listedPrompts: SnapshotPrompt[];
  listedResourceServers: SnapshotResourceServer[];
  /**
   * Registry entries this proxy never calls: self-hosted (stdio) servers when this deployment
   * neither has runners (TOOLGATE_RUNNERS) nor lets proxies start them (TOOLGATE_ALLOW_STDIO). They are left out of every list; a call by name is refused with a clear error.
   */
  refusedEntries: ReadonlySet<string>;
  upstreams: Map<string, SnapshotUpstream>;
  installations: Map<string, PreparedInstallation>;
  installationsByEntry: Map<string, PreparedInstallation[]>;
  /** Call limits and quotas to check (admission/call-limits.ts); absent when none applies. */
  limits?: GatewayLimits;
}

/** An installation with its tenant: a self-hosted one is routed to its runner by both. */
export type PreparedInstallation = SnapshotInstallation & { tenantId: string };

export type GatewayLookup =
  | { kind: 'found'; gateway: PreparedGateway }
  | { kind: 'missing'; what: 'tenant' | 'gateway'; tenantId?: string };

interface Entry {
  lookup: GatewayLookup;
  tenantId?: string;
  gatewayId?: string;
  /** The tenant's configuration version the snapshot was compiled from. */
  configVersion: number;
}

export interface SnapshotStoreOptions {
  db: DbHandle;
  bus: Bus;
  log: Logger;
  /** TOOLGATE_RUNNERS or TOOLGATE_ALLOW_STDIO: off, self-hosted (stdio) servers are refused (see PreparedGateway). */
  allowStdio: boolean;
  /** The deployment's plans: their call limits and quotas are prepared with each gateway. */
  plans?: PlansConfig;
  maxEntries?: number;
  /** How long a replica trusts its in-process copy without asking the shared cache again. */
  localTtlMs?: number;
  sharedTtlSeconds?: number;
  /** Unknown tenants/gateways are remembered this long (creation also invalidates). */
  negativeTtlMs?: number;
}

/** Monotonic counts (metrics read them at scrape time). */
export interface SnapshotStoreStats {
  /** In-process LRU. A miss may join a load already under way. */
  hits: number;
  misses: number;
  /** Shared cache (Redis), asked once per load. */
  sharedHits: number;
  /** Shared copies older than a change this replica heard of (recompiled instead). */
  sharedStale: number;
  /** Tenants dropped because a change was noticed without its message (see ConfigSync). */
  resyncs: number;
  sharedMisses: number;
  sharedErrors: number;
  /** Compiled from Postgres; when that failed, a stale copy served or an error thrown. */
  compiles: number;
  staleServed: number;
  compileErrors: number;
}

export function prepareGateway(
  snapshot: GatewaySnapshot,
  { allowStdio, plans = DEFAULT_PLANS_CONFIG }: { allowStdio: boolean; plans?: PlansConfig },
): PreparedGateway {
  const refusedEntries = new Set(
    allowStdio
      ? []
      : Object.values(snapshot.upstreams)
          .filter((u) => u.transport === 'stdio')
          .map((u) => u.entryId),
  );
  const listed = <T extends { entryId: string }>(items: T[]) =>
    refusedEntries.size === 0 ? items : items.filter((i) => !refusedEntries.has(i.entryId));
  const tenantId = snapshot.tenant.id;
  const installations = snapshot.installations.map((i): PreparedInstallation => ({ ...i, tenantId }));
  const installationsByEntry = new Map<string, PreparedInstallation[]>();
  for (const i of installations) {
    const list = installationsByEntry.get(i.entryId) ?? [];
    list.push(i);
    installationsByEntry.set(i.entryId, list);
  }
  const listedTools = listed(snapshot.tools).map((t) => ({
    name: t.name,
    ...(t.title ? { title: t.title } : {}),
    description: t.description,
    inputSchema: t.inputSchema,
    ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}),
    ...(t.annotations ? { annotations: t.annotations } : {}),
    // MCP Apps' `ui.resourceUri` names a resource, whose URI the gateway keeps: it stays valid.
    ...(t.meta ? { _meta: t.meta } : {}),
    // MCP tasks: whether the tool may (or must) run as a task, as the upstream says.
    ...(t.execution ? { execution: t.execution } : {}),
  }));
  return {
    snapshot,
    toolByName: new Map(snapshot.tools.map((t) => [t.name, t])),
    ...(snapshot.gateway.toolExposure === 'search' ? prepareToolSearch(listedTools) : { listedTools }),
    listedPrompts: listed(snapshot.prompts),
    listedResourceServers: listed(snapshot.resourceServers),
    refusedEntries,
    upstreams: new Map(Object.entries(snapshot.upstreams)),
    installations: new Map(installations.map((i) => [i.id, i])),
    installationsByEntry,
    ...limitsOf(snapshot, plans),
  };
}

function limitsOf(snapshot: GatewaySnapshot, plans: PlansConfig): { limits?: GatewayLimits } {
  const traffic = trafficLimitsOf(snapshot, plans);
  const tools = hasToolLimits(snapshot);
  if (!traffic && !tools) return {};
  return { limits: { tenantId: snapshot.tenant.id, tools, ...(traffic ? { traffic } : {}) } };
}

/**
 * Gateway configuration for the hot path: in-process LRU → shared cache (Redis) → compiled
 * from Postgres and stored in both. Invalidation messages drop in-process copies; when both the
 * shared cache and Postgres fail, a stale in-process copy is served rather than nothing.
 */
/** Whether a message makes gateway configuration stale (one gateway's, or the whole tenant's). */
export const touchesConfiguration = (message: InvalidationMessage): boolean =>
  message.kind === 'gateway' || message.kind === 'tenant' || message.kind === 'resync';

const STAT_OF_EVENT: Record<TierEvent, keyof SnapshotStoreStats> = {
  hit: 'hits',
  miss: 'misses',
  shared_hit: 'sharedHits',
  shared_stale: 'sharedStale',
  shared_miss: 'sharedMisses',
  shared_error: 'sharedErrors',
  load: 'compiles',
  load_error: 'compileErrors',
  stale_served: 'staleServed',
};

export class SnapshotStore {
  private readonly cache: TieredCache<SnapshotLoad, Entry>;
  private readonly listeners = new Set<(message: InvalidationMessage) => void>();
  /** The highest configuration version heard of per tenant (messages, compiles, ConfigSync). */
  private readonly known = new Map<string, number>();
  private unsubscribe?: () => Promise<void>;
  readonly stats: SnapshotStoreStats = {
    hits: 0,
    misses: 0,
    sharedHits: 0,
    sharedStale: 0,
    resyncs: 0,
    sharedMisses: 0,
    sharedErrors: 0,
    compiles: 0,
    staleServed: 0,
    compileErrors: 0,
  };

  constructor(private readonly options: SnapshotStoreOptions) {
    const localTtlMs = options.localTtlMs ?? 60_000;
    const sharedTtlSeconds = options.sharedTtlSeconds ?? 3_600;
    const negativeTtlMs = options.negativeTtlMs ?? 10_000;
    const found = (entry: Entry) => entry.lookup.kind === 'found';
    this.cache = new TieredCache({
      bus: options.bus,
      log: options.log,
      what: 'snapshot',
      maxEntries: options.maxEntries ?? 5_000,
      localTtlMs: (entry) => (found(entry) ? localTtlMs : negativeTtlMs),
      sharedTtlSeconds: (loaded) =>
        loaded.kind === 'found' ? sharedTtlSeconds : Math.ceil(negativeTtlMs / 1000),
      prepare: (loaded) => this.toEntry(loaded),
      // A copy compiled before a change this replica heard of (stored by a replica that compiled
      // while the change was being made) is not served: compile afresh and replace it.
      isStale: (entry) =>
        entry.tenantId !== undefined && entry.configVersion < this.knownVersion(entry.tenantId),
      // When both the shared cache and Postgres fail, the last good copy beats nothing.
      serveStaleOnError: found,
      onEvent: (event) => this.stats[STAT_OF_EVENT[event]]++,
    });
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.options.bus.invalidations.subscribe((m) => this.invalidate(m));
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** `listener` runs after in-process copies were dropped (e.g. to announce tools/list_changed). */
  onInvalidation(listener: (message: InvalidationMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The highest configuration version this replica has heard of for the tenant. */
  knownVersion(tenantId: string): number {
    return this.known.get(tenantId) ?? 0;
  }

  /** Tenants this replica holds snapshots of (what ConfigSync compares). */
  cachedTenants(): string[] {
    const ids = new Set<string>();
    for (const entry of this.cache.lastGoodValues()) if (entry.tenantId) ids.add(entry.tenantId);
    return [...ids];
  }

  /**
   * The tenant's delivered version is past what this replica heard of: a message was missed
   * (this replica was cut off from Redis while it was sent). Everything of the tenant goes.
   */
  resync(tenantId: string, version: number): void {
    this.heard(tenantId, version);
    this.stats.resyncs++;
    this.options.log.warn({ tenantId, version }, 'missed a configuration change: dropping cached state');
    this.invalidate({ kind: 'resync', tenantId, reason: 'missed change' });
  }

  private heard(tenantId: string, version: number): void {
    if (version > this.knownVersion(tenantId)) this.known.set(tenantId, version);
  }

  private invalidate(message: InvalidationMessage): void {
    if (message.version !== undefined) this.heard(message.tenantId, message.version);
    // Token, user and revocation messages concern caches of callers, not gateway configuration.
    if (touchesConfiguration(message)) {
      const gatewayId = message.kind === 'gateway' ? message.gatewayId : undefined;
      const matches = (e: Entry) =>
        e.lookup.kind === 'missing' ||
        (e.tenantId === message.tenantId && (!gatewayId || e.gatewayId === gatewayId));
      this.cache.forgetWhere(matches);
    }
    for (const listener of this.listeners) listener(message);
  }

  get(tenantSlug: string, gatewaySlug: string): Promise<GatewayLookup> | GatewayLookup {
    const { db } = this.options;
    const entry = this.cache.get(snapshotKey(tenantSlug, gatewaySlug), () =>
      loadGatewaySnapshot(db.db, tenantSlug, gatewaySlug),
    );
    return entry instanceof Promise ? entry.then((e) => e.lookup) : entry.lookup;
  }

  /** Prepared per replica: the shared cache holds the compiled snapshot, not this proxy's policy. */
  private toEntry(loaded: SnapshotLoad): Entry {
    // Copies stored before versions existed count as version 0.
    const configVersion = loaded.configVersion ?? 0;
    const tenantId = loaded.kind === 'missing' ? loaded.tenantId : loaded.snapshot.tenant.id;
    if (tenantId !== undefined) this.heard(tenantId, configVersion);
    if (loaded.kind === 'missing') {
      return {
        lookup: { kind: 'missing', what: loaded.what, tenantId: loaded.tenantId },
        tenantId: loaded.tenantId,
        configVersion,
      };
    }
    return {
      lookup: {
        kind: 'found',
        gateway: prepareGateway(loaded.snapshot, {
          allowStdio: this.options.allowStdio,
          ...(this.options.plans ? { plans: this.options.plans } : {}),
        }),
      },
      tenantId: loaded.snapshot.tenant.id,
      gatewayId: loaded.snapshot.gateway.id,
      configVersion,
    };
  }
}
