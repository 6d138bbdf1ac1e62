import type { Logger } from '@toolgate/core/logger';
import { touchesConfiguration, type PreparedGateway, type SnapshotStore } from '../config/snapshot-store.ts';
import type { LiveNotifications, LiveStream } from '../dispatch/live-notifications.ts';
import type { SessionSubscriptions } from '../dispatch/session-subscriptions.ts';
import type { Principal } from '../mcp-call.ts';

/** What the hub writes to: a GET stream's SseWriter, a legacy SSE stream, or a `subscriptions/listen` stream. */
export interface HubStream {
  send(message: unknown): unknown;
  comment(text: string): void;
  end(): void;
  onClose(listener: () => void): void;
}

/** The lists a stream's client hears about (2026-07-28 listen: what was acknowledged). */
export interface Wants {
  tools: boolean;
  prompts: boolean;
  resources: boolean;
}

export interface OpenOptions {
  principal: Principal;
  wants?: Wants;
  /** 2025-era session: the stream follows the session's resource subscriptions (any replica's). */
  sessionKey?: string;
}

interface Member extends LiveStream {
  readonly writer: HubStream;
  readonly wants: Wants;
  closed: boolean;
  stopFollowing?: () => Promise<void>;
}

interface GatewayStreams {
  tenantSlug: string;
  gatewaySlug: string;
  tenantId: string;
  /** What clients last heard about: the exposed tools, prompts and resource servers. */
  signatures: Signatures;
  members: Set<Member>;
}

type Signatures = Record<keyof Wants, string>;

const ALL: Wants = { tools: true, prompts: true, resources: true };
const KEEPALIVE_MS = 25_000;

const signaturesOf = (gateway: PreparedGateway | undefined): Signatures => ({
  tools: JSON.stringify(gateway?.listedTools ?? []),
  prompts: JSON.stringify(gateway?.listedPrompts ?? []),
  resources: JSON.stringify(gateway?.listedResourceServers ?? []),
});

export interface StreamHubOptions {
  store: SnapshotStore;
  log: Logger;
  live: LiveNotifications;
  subscriptions: SessionSubscriptions;
}

/**
 * Open notification streams by gateway (2025 GET and legacy SSE streams, 2026-07-28
 * `subscriptions/listen`). An admin's change reaching this replica reloads each affected gateway
 * and tells its streams which lists changed; upstream notifications come through
 * LiveNotifications, which watches the upstreams behind the gateways followed here.
 */
export class StreamHub {
  private readonly byGateway = new Map<string, GatewayStreams>();
  private readonly keepalive: NodeJS.Timeout;

  constructor(private readonly options: StreamHubOptions) {
    options.store.onInvalidation((message) => {
      if (!touchesConfiguration(message)) return;
      for (const [gatewayId, group] of this.byGateway) {
        if (
          group.tenantId !== message.tenantId ||
          (message.kind === 'gateway' && message.gatewayId !== gatewayId)
        )
          continue;
        void this.recheck(group);
      }
    });
    this.keepalive = setInterval(() => {
      for (const group of this.byGateway.values())
        for (const m of group.members) m.writer.comment('keepalive');
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  get live(): LiveNotifications {
    return this.options.live;
  }

  open(gateway: PreparedGateway, writer: HubStream, options: OpenOptions): LiveStream {
    const { tenant, gateway: gw } = gateway.snapshot;
    let group = this.byGateway.get(gw.id);
    if (!group) {
      group = {
        tenantSlug: tenant.slug,
        gatewaySlug: gw.slug,
        tenantId: tenant.id,
        signatures: signaturesOf(gateway),
        members: new Set(),
      };
      this.byGateway.set(gw.id, group);
    }
    const member: Member = {
      writer,
      principal: options.principal,
      wants: options.wants ?? ALL,
      closed: false,
      send: (message) => void writer.send(message),
    };
    const joined = group;
    joined.members.add(member);
    writer.comment('stream open');
    this.options.live.follow(gateway, member);
    if (options.sessionKey !== undefined) void this.followSession(gw.id, member, options.sessionKey);
    writer.onClose(() => {
      member.closed = true;
      joined.members.delete(member);
      if (joined.members.size === 0 && this.byGateway.get(gw.id) === joined) this.byGateway.delete(gw.id);
      this.options.live.unfollow(gw.id, member);
      void member.stopFollowing?.().catch(() => undefined);
    });
    return member;
  }

  get openStreams(): number {
    let n = 0;
    for (const group of this.byGateway.values()) n += group.members.size;
    return n;
  }

  closeAll(): void {
    for (const group of this.byGateway.values()) for (const m of group.members) m.writer.end();
    this.byGateway.clear();
    clearInterval(this.keepalive);
  }

  /** Subscribes upstream for the session's resources, now and as they change on any replica. */
  private async followSession(gatewayId: string, member: Member, sid: string): Promise<void> {
    const { live, subscriptions, log } = this.options;
    const apply = (op: 'add' | 'remove', uri: string) => {
      if (member.closed) return;
      if (op === 'remove') return live.unsubscribe(gatewayId, member, uri);
      live.subscribe(gatewayId, member, uri).catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, 'could not subscribe to a resource upstream');
      });
    };
    try {
      const { uris, stop } = await subscriptions.follow(sid, (change) => apply(change.op, change.uri));
      if (member.closed) return void (await stop());
      member.stopFollowing = stop;
      for (const uri of uris) apply('add', uri);
    } catch (err) {
      log.warn({ err: (err as Error).message }, "could not follow a session's resource subscriptions");
    }
  }

  private async recheck(group: GatewayStreams): Promise<void> {
    try {
      const lookup = await this.options.store.get(group.tenantSlug, group.gatewaySlug);
      const gateway = lookup.kind === 'found' ? lookup.gateway : undefined;
      if (!gateway) {
        // Deleted (or its tenant): its streams end, and nothing of it stays watched.
        for (const m of group.members) m.writer.end();
        return;
      }
      this.options.live.refresh(gateway);
      const signatures = signaturesOf(gateway);
      const before = group.signatures;
      group.signatures = signatures;
      for (const list of ['tools', 'prompts', 'resources'] as const) {
        if (signatures[list] === before[list]) continue;
        for (const m of group.members)
          if (m.wants[list]) m.writer.send({ jsonrpc: '2.0', method: `notifications/${list}/list_changed` });
      }
    } catch (err) {
      this.options.log.warn({ err: (err as Error).message }, 'could not recheck gateway after invalidation');
    }
  }
}
