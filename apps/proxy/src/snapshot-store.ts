import { snapshotKey, type Bus, type InvalidationMessage } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { TtlLru } from '@toolgate/core/lru';
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
import { prepareToolSearch, type ToolSearch } from './meta-tools.ts';

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
   * Registry entries this proxy never calls: local (stdio) servers when TOOLGATE_ALLOW_STDIO is
   * off. They are left out of every list; a call by name is refused with a clear error.
   */
  refusedEntries: ReadonlySet<string>;
  upstreams: Map<string, SnapshotUpstream>;
  installations: Map<string, SnapshotInstallation>;
  installationsByEntry: Map<string, SnapshotInstallation[]>;
}

export type GatewayLookup =
  | { kind: 'found'; gateway: PreparedGateway }
  | { kind: 'missing'; what: 'tenant' | 'gateway'; tenantId?: string };

interface Entry {
  lookup: GatewayLookup;
  tenantId?: string;
  gatewayId?: string;
}

export interface SnapshotStoreOptions {
  db: DbHandle;
  bus: Bus;
  log: Logger;
  /** TOOLGATE_ALLOW_STDIO: off, local (stdio) servers are refused (see PreparedGateway). */
  allowStdio: boolean;
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
  sharedMisses: number;
  sharedErrors: number;
  /** Compiled from Postgres; when that failed, a stale copy served or an error thrown. */
  compiles: number;
  staleServed: number;
  compileErrors: number;
}

export function prepareGateway(
  snapshot: GatewaySnapshot,
  { allowStdio }: { allowStdio: boolean },
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
  const installationsByEntry = new Map<string, SnapshotInstallation[]>();
  for (const i of snapshot.installations) {
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
  }));
  return {
    snapshot,
    toolByName: new Map(snapshot.tools.map((t) => [t.name, t])),
    ...(snapshot.gateway.toolExposure === 'search' ? prepareToolSearch(listedTools) : { listedTools }),
    listedPrompts: listed(snapshot.prompts),
    listedResourceServers: listed(snapshot.resourceServers),
    refusedEntries,
    upstreams: new Map(Object.entries(snapshot.upstreams)),
    installations: new Map(snapshot.installations.map((i) => [i.id, i])),
    installationsByEntry,
  };
}

/**
 * Gateway configuration for the hot path: in-process LRU → shared cache (Redis) → compiled
 * from Postgres and stored in both. Invalidation messages drop in-process copies; when both the
 * shared cache and Postgres fail, a stale in-process copy is served rather than nothing.
 */
export class SnapshotStore {
  private readonly local: TtlLru<string, Entry>;
  /** Last good entry per key, kept past its TTL for outages. */
  private readonly stale = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private readonly listeners = new Set<(message: InvalidationMessage) => void>();
  private unsubscribe?: () => Promise<void>;
  readonly stats: SnapshotStoreStats = {
    hits: 0,
    misses: 0,
    sharedHits: 0,
    sharedMisses: 0,
    sharedErrors: 0,
    compiles: 0,
    staleServed: 0,
    compileErrors: 0,
  };
  private readonly localTtlMs: number;
  private readonly sharedTtlSeconds: number;
  private readonly negativeTtlMs: number;

  constructor(private readonly options: SnapshotStoreOptions) {
    this.local = new TtlLru(options.maxEntries ?? 5_000, options.localTtlMs ?? 60_000);
    this.localTtlMs = options.localTtlMs ?? 60_000;
    this.sharedTtlSeconds = options.sharedTtlSeconds ?? 3_600;
    this.negativeTtlMs = options.negativeTtlMs ?? 10_000;
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

  private invalidate(message: InvalidationMessage): void {
    // Token, user and revocation messages concern caches of callers, not gateway configuration.
    if (message.gatewayId || (!message.tokenHash && !message.userId && !message.revokedId)) {
      const matches = (e: Entry) =>
        e.lookup.kind === 'missing' ||
        (e.tenantId === message.tenantId && (!message.gatewayId || e.gatewayId === message.gatewayId));
      this.local.deleteWhere(matches);
      for (const [key, entry] of this.stale) if (matches(entry)) this.stale.delete(key);
    }
    for (const listener of this.listeners) listener(message);
  }

  get(tenantSlug: string, gatewaySlug: string): Promise<GatewayLookup> | GatewayLookup {
    const key = snapshotKey(tenantSlug, gatewaySlug);
    const cached = this.local.get(key);
    if (cached) {
      this.stats.hits++;
      return cached.lookup;
    }
    this.stats.misses++;
    let pending = this.loading.get(key);
    if (!pending) {
      pending = this.load(key, tenantSlug, gatewaySlug).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending.then((e) => e.lookup);
  }

  private async load(key: string, tenantSlug: string, gatewaySlug: string): Promise<Entry> {
    const { bus, db, log } = this.options;
    let shared: string | null = null;
    let sharedFailed = false;
    try {
      shared = await bus.snapshots.get(key);
    } catch (err) {
      sharedFailed = true;
      this.stats.sharedErrors++;
      log.warn({ err: (err as Error).message }, 'shared snapshot cache unavailable');
    }
    if (shared) {
      this.stats.sharedHits++;
      return this.remember(key, this.toEntry(JSON.parse(shared) as SnapshotLoad));
    }
    if (!sharedFailed) this.stats.sharedMisses++;
    let loaded: SnapshotLoad;
    try {
      loaded = await loadGatewaySnapshot(db.db, tenantSlug, gatewaySlug);
      this.stats.compiles++;
    } catch (err) {
      const stale = this.stale.get(key);
      if (stale) {
        this.stats.staleServed++;
        log.warn({ err: (err as Error).message, key }, 'database unavailable: serving last known snapshot');
        return stale;
      }
      this.stats.compileErrors++;
      throw err;
    }
    const ttlSeconds = loaded.kind === 'found' ? this.sharedTtlSeconds : Math.ceil(this.negativeTtlMs / 1000);
    bus.snapshots.set(key, JSON.stringify(loaded), ttlSeconds).catch((err: unknown) => {
      log.warn({ err: (err as Error).message }, 'could not store snapshot in the shared cache');
    });
    return this.remember(key, this.toEntry(loaded));
  }

  private remember(key: string, entry: Entry): Entry {
    const ttl = entry.lookup.kind === 'found' ? this.localTtlMs : this.negativeTtlMs;
    this.local.set(key, entry, ttl);
    if (entry.lookup.kind === 'found') this.stale.set(key, entry);
    return entry;
  }

  /** Prepared per replica: the shared cache holds the compiled snapshot, not this proxy's policy. */
  private toEntry(loaded: SnapshotLoad): Entry {
    if (loaded.kind === 'missing') {
      return {
        lookup: { kind: 'missing', what: loaded.what, tenantId: loaded.tenantId },
        tenantId: loaded.tenantId,
      };
    }
    return {
      lookup: {
        kind: 'found',
        gateway: prepareGateway(loaded.snapshot, { allowStdio: this.options.allowStdio }),
      },
      tenantId: loaded.snapshot.tenant.id,
      gatewayId: loaded.snapshot.gateway.id,
    };
  }
}
