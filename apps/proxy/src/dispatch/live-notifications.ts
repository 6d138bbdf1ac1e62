import type { Logger } from '@toolgate/core/logger';
import { JsonRpcError, RPC } from '@toolgate/mcp/jsonrpc';
import type { JsonRpcNotification, UpstreamPool, UpstreamWatch } from '@toolgate/mcp/upstream';
import type { PreparedGateway } from '../config/snapshot-store.ts';
import type { Principal } from '../mcp-call.ts';
import type { Catalog, ResolvedServer } from './catalog.ts';

/** A client's open notification stream, as live notifications see it. */
export interface LiveStream {
  readonly principal: Principal;
  /** The list changes its client asked to hear (2026-07-28 listen: what was acknowledged). */
  readonly wants: { prompts: boolean; resources: boolean };
  send(notification: Record<string, unknown>): void;
}

export interface LiveNotificationsOptions {
  pool: UpstreamPool;
  catalog: Catalog;
  log: Logger;
  /**
   * An upstream said its tools changed: re-read them and record them for its installation, which
   * (when they differ) invalidates the gateways using it on every replica, whose streams then
   * hear tools/list_changed if their exposed set changed (stream-hub.ts).
   */
  syncTools(server: ResolvedServer): Promise<void>;
}

interface Follower {
  readonly stream: LiveStream;
  /** Pool keys of the upstreams behind the gateway for this stream's caller. */
  keys: Set<string>;
  /** Subscribed resource URIs, with the pool key of the server that owns each. */
  readonly resources: Map<string, string>;
  /** Subscriptions being made. */
  readonly pending: Map<string, Promise<void>>;
}

interface Followed {
  gateway: PreparedGateway;
  readonly followers: Map<LiveStream, Follower>;
  /** Last exposed prompt / resource listing per caller, to relay only real changes. */
  readonly listings: Map<string, string>;
  /** Re-reads in progress per caller and list, so notifications in a burst cost one re-read. */
  readonly rereads: Map<string, Promise<void>>;
}

interface Watched {
  readonly server: ResolvedServer;
  readonly watch: UpstreamWatch;
  /** Followers using the upstream, across gateways. */
  refs: number;
  syncing: Promise<void> | undefined;
  resync: boolean;
  lastSync: number;
}

const SYNC_AFTER_MS = 250;
const MIN_SYNC_GAP_MS = 2_000;

/**
 * Upstream notifications outside calls, relayed to the clients listening on this replica (2025
 * GET and legacy SSE streams, 2026-07-28 `subscriptions/listen`): the upstreams behind each
 * followed gateway are watched for the callers present (pool.watch, one pooled session each);
 * list changes are re-read and relayed only when the caller's exposed set changed; resource
 * updates go to the streams that subscribed to the URI.
 */
export class LiveNotifications {
  private readonly followed = new Map<string, Followed>();
  private readonly watched = new Map<string, Watched>();

  constructor(private readonly options: LiveNotificationsOptions) {}

  follow(gateway: PreparedGateway, stream: LiveStream): void {
    const id = gateway.snapshot.gateway.id;
    let followed = this.followed.get(id);
    if (followed === undefined) {
      followed = { gateway, followers: new Map(), listings: new Map(), rereads: new Map() };
      this.followed.set(id, followed);
    } else if (followed.gateway.snapshot.version !== gateway.snapshot.version) {
      // The stream was admitted with a newer configuration than the followers here know.
      this.refresh(gateway);
    }
    const follower: Follower = { stream, keys: new Set(), resources: new Map(), pending: new Map() };
    followed.followers.set(stream, follower);
    this.rewatch(followed, follower);
    // The baseline later changes are compared with.
    if (stream.wants.prompts && gateway.listedPrompts.length > 0)
      void this.reread(followed, stream.principal, 'prompts', false);
    if (stream.wants.resources && gateway.listedResourceServers.length > 0)
      void this.reread(followed, stream.principal, 'resources', false);
  }

  unfollow(gatewayId: string, stream: LiveStream): void {
    const followed = this.followed.get(gatewayId);
    const follower = followed?.followers.get(stream);
    if (!followed || !follower) return;
    followed.followers.delete(stream);
    for (const [uri, key] of follower.resources) void this.watched.get(key)?.watch.unsubscribe(uri);
    for (const key of follower.keys) this.release(key);
    follower.resources.clear();
    follower.keys.clear();
    if (followed.followers.size === 0) this.followed.delete(gatewayId);
  }

  /** The gateway's configuration changed: its callers' upstreams are resolved afresh. */
  refresh(gateway: PreparedGateway): void {
    const followed = this.followed.get(gateway.snapshot.gateway.id);
    if (!followed) return;
    followed.gateway = gateway;
    for (const follower of followed.followers.values()) this.rewatch(followed, follower);
  }

  /** The gateway is gone (deleted, or no longer found): nothing of it is watched any more. */
  forgetGateway(gatewayId: string): void {
    const followed = this.followed.get(gatewayId);
    if (!followed) return;
    for (const stream of [...followed.followers.keys()]) this.unfollow(gatewayId, stream);
  }

  /**
   * Subscribes a stream to a resource: the owning upstream is subscribed once per pooled
   * session. Rejects with a JSON-RPC error the client can read. The same URI asked twice at once
   * is one subscription.
   */
  subscribe(gatewayId: string, stream: LiveStream, uri: string): Promise<void> {
    const follower = this.followed.get(gatewayId)?.followers.get(stream);
    if (!follower || follower.resources.has(uri)) return Promise.resolve();
    let pending = follower.pending.get(uri);
    if (pending === undefined) {
      pending = this.subscribeNow(gatewayId, follower, uri).finally(() => follower.pending.delete(uri));
      follower.pending.set(uri, pending);
    }
    return pending;
  }

  private async subscribeNow(gatewayId: string, follower: Follower, uri: string): Promise<void> {
    const following = () => this.followed.get(gatewayId)?.followers.get(follower.stream) === follower;
    const gateway = this.followed.get(gatewayId)!.gateway;
    const owner = await this.options.catalog.resourceOwner(gateway, follower.stream.principal, uri);
    await this.options.catalog.requireSubscribable(owner, uri);
    // Checked after every wait: a stream closed meanwhile acquires nothing (unfollow released it).
    if (!following()) return;
    const key = owner.target.key;
    if (!follower.keys.has(key)) {
      follower.keys.add(key);
      this.acquire(owner);
    }
    const watched = this.watched.get(key)!;
    try {
      await watched.watch.subscribe(uri);
    } catch (err) {
      throw new JsonRpcError(
        RPC.INVALID_PARAMS,
        `${owner.label} refused the subscription to ${uri}: ${(err as Error).message}`,
      );
    }
    if (!following()) return void watched.watch.unsubscribe(uri);
    follower.resources.set(uri, key);
  }

  unsubscribe(gatewayId: string, stream: LiveStream, uri: string): void {
    const follower = this.followed.get(gatewayId)?.followers.get(stream);
    const key = follower?.resources.get(uri);
    if (!follower || key === undefined) return;
    follower.resources.delete(uri);
    void this.watched.get(key)?.watch.unsubscribe(uri);
  }

  get watchedUpstreams(): number {
    return this.watched.size;
  }

  private rewatch(followed: Followed, follower: Follower): void {
    let servers: ResolvedServer[];
    try {
      servers = this.options.catalog.servers(followed.gateway, follower.stream.principal);
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'could not resolve upstreams to watch');
      servers = [];
    }
    const keys = new Set<string>();
    for (const server of servers) {
      keys.add(server.target.key);
      if (!follower.keys.has(server.target.key)) this.acquire(server);
    }
    // Subscriptions through an upstream the caller no longer reaches this way (a new credential,
    // another installation) are dropped there and made again through the new owner.
    const moved: string[] = [];
    for (const [uri, key] of follower.resources) {
      if (keys.has(key)) continue;
      void this.watched.get(key)?.watch.unsubscribe(uri);
      follower.resources.delete(uri);
      moved.push(uri);
    }
    for (const key of follower.keys) if (!keys.has(key)) this.release(key);
    follower.keys = keys;
    const gatewayId = followed.gateway.snapshot.gateway.id;
    for (const uri of moved)
      this.subscribe(gatewayId, follower.stream, uri).catch((err: unknown) =>
        this.options.log.warn({ err: (err as Error).message }, 'could not move a resource subscription'),
      );
  }

  private acquire(server: ResolvedServer): Watched {
    const key = server.target.key;
    let watched = this.watched.get(key);
    if (watched === undefined) {
      watched = {
        server,
        watch: this.options.pool.watch(server.target, (n) => this.heard(key, n)),
        refs: 0,
        syncing: undefined,
        resync: false,
        lastSync: 0,
      };
      this.watched.set(key, watched);
    }
    watched.refs++;
    return watched;
  }

  private release(key: string): void {
    const watched = this.watched.get(key);
    if (!watched || --watched.refs > 0) return;
    this.watched.delete(key);
    watched.watch.close();
  }

  private heard(key: string, notification: JsonRpcNotification): void {
    const watched = this.watched.get(key);
    if (!watched) return;
    switch (notification.method) {
      case 'notifications/tools/list_changed':
        return void this.syncTools(watched);
      case 'notifications/prompts/list_changed':
      case 'notifications/resources/list_changed': {
        const list = notification.method.includes('prompts') ? 'prompts' : 'resources';
        this.options.catalog.forget(key);
        for (const followed of this.followed.values()) {
          const callers = new Map<string, Principal>();
          for (const f of followed.followers.values())
            if (f.keys.has(key) && f.stream.wants[list])
              callers.set(f.stream.principal.id, f.stream.principal);
          for (const principal of callers.values()) void this.reread(followed, principal, list, true);
        }
        return;
      }
      case 'notifications/resources/updated': {
        const uri = notification.params?.uri;
        if (typeof uri !== 'string') return;
        const message = { jsonrpc: '2.0', method: notification.method, params: { uri } };
        for (const followed of this.followed.values())
          for (const f of followed.followers.values())
            if (f.resources.get(uri) === key) f.stream.send(message);
        return;
      }
    }
  }

  /** Re-reads an upstream's tools after it said they changed; one re-read at a time per upstream. */
  private async syncTools(watched: Watched): Promise<void> {
    if (watched.syncing) {
      watched.resync = true;
      return;
    }
    const run = async () => {
      do {
        watched.resync = false;
        // A burst of notifications costs one re-read, and a chatty upstream one every few seconds.
        const wait = Math.max(SYNC_AFTER_MS, watched.lastSync + MIN_SYNC_GAP_MS - Date.now());
        await new Promise((resolve) => setTimeout(resolve, wait).unref());
        watched.lastSync = Date.now();
        await this.options.syncTools(watched.server);
      } while (watched.resync);
    };
    watched.syncing = run()
      .catch((err: unknown) =>
        this.options.log.warn(
          { err: (err as Error).message, installationId: watched.server.ids.installationId },
          'could not re-read tools after the upstream said they changed',
        ),
      )
      .finally(() => (watched.syncing = undefined));
    await watched.syncing;
  }

  /**
   * Re-reads the caller's exposed prompts or resources; when `relay` and they differ from the
   * last reading, the caller's streams that asked for it hear the list changed.
   */
  private reread(
    followed: Followed,
    principal: Principal,
    list: 'prompts' | 'resources',
    relay: boolean,
  ): Promise<void> {
    const slot = `${list}\u0000${principal.id}`;
    const previous = followed.rereads.get(slot) ?? Promise.resolve();
    const next = previous.then(async () => {
      const { catalog } = this.options;
      const listing =
        list === 'prompts'
          ? await catalog.listPrompts(followed.gateway, principal)
          : await catalog.listResources(followed.gateway, principal);
      const signature = JSON.stringify(listing);
      const before = followed.listings.get(slot);
      followed.listings.set(slot, signature);
      if (!relay || before === undefined || before === signature) return;
      const method = `notifications/${list}/list_changed`;
      for (const f of followed.followers.values())
        if (f.stream.principal.id === principal.id && f.stream.wants[list])
          f.stream.send({ jsonrpc: '2.0', method });
    });
    const settled = next.catch((err: unknown) => {
      this.options.log.warn(
        { err: (err as Error).message, list },
        'could not re-read a list for live notifications',
      );
    });
    followed.rereads.set(slot, settled);
    void settled.then(() => {
      if (followed.rereads.get(slot) === settled) followed.rereads.delete(slot);
    });
    return settled;
  }
}
