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
}

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
    }
    const follower: Follower = { stream, keys: new Set(), resources: new Map() };
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
    for (const [uri, key] of follower.resources) void this.watched.get(key)?.watch.unsubscribe(uri);
    for (const key of follower.keys) this.release(key);
    followed.followers.delete(stream);
    if (followed.followers.size === 0) this.followed.delete(gatewayId);
  }

  /** The gateway's configuration changed: its callers' upstreams are resolved afresh. */
  refresh(gateway: PreparedGateway): void {
    const followed = this.followed.get(gateway.snapshot.gateway.id);
    if (!followed) return;
    followed.gateway = gateway;
    for (const follower of followed.followers.values()) this.rewatch(followed, follower);
  }

  /**
   * Subscribes a stream to a resource: the owning upstream is subscribed once per pooled
   * session. Rejects with a JSON-RPC error the client can read.
   */
  async subscribe(gatewayId: string, stream: LiveStream, uri: string): Promise<void> {
    const followed = this.followed.get(gatewayId);
    const follower = followed?.followers.get(stream);
    if (!followed || !follower) return;
    if (follower.resources.has(uri)) return;
    const owner = await this.options.catalog.resourceOwner(followed.gateway, stream.principal, uri);
    const key = owner.target.key;
    const watched = follower.keys.has(key) ? this.watched.get(key) : undefined;
    if (watched === undefined) {
      follower.keys.add(key);
      return this.subscribeVia(followed, follower, owner, this.acquire(owner), uri);
    }
    return this.subscribeVia(followed, follower, owner, watched, uri);
  }

  private async subscribeVia(
    followed: Followed,
    follower: Follower,
    owner: ResolvedServer,
    watched: Watched,
    uri: string,
  ): Promise<void> {
    const stream = follower.stream;
    await this.options.catalog.requireSubscribable(owner, uri);
    try {
      await watched.watch.subscribe(uri);
    } catch (err) {
      throw new JsonRpcError(
        RPC.INVALID_PARAMS,
        `${owner.label} refused the subscription to ${uri}: ${(err as Error).message}`,
      );
    }
    if (followed.followers.get(stream) !== follower) {
      void watched.watch.unsubscribe(uri);
      return;
    }
    follower.resources.set(uri, owner.target.key);
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
    for (const key of follower.keys) if (!keys.has(key)) this.release(key);
    for (const [uri, key] of follower.resources) if (!keys.has(key)) follower.resources.delete(uri);
    follower.keys = keys;
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
