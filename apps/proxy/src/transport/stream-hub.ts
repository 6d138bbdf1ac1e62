import type { Logger } from '@toolgate/core/logger';
import { touchesConfiguration, type PreparedGateway, type SnapshotStore } from '../config/snapshot-store.ts';

/** What the hub writes to: a GET stream's SseWriter, or a `subscriptions/listen` stream. */
export interface HubStream {
  send(message: unknown): unknown;
  comment(text: string): void;
  end(): void;
  onClose(listener: () => void): void;
}

interface GatewayStreams {
  tenantSlug: string;
  gatewaySlug: string;
  tenantId: string;
  /** The tool set clients last heard about. */
  toolsSignature: string;
  writers: Set<HubStream>;
}

const toolsSignature = (gateway: PreparedGateway) => JSON.stringify(gateway.listedTools);
const KEEPALIVE_MS = 25_000;

/**
 * Open notification streams by gateway (2025 GET streams, 2026-07-28 `subscriptions/listen`).
 * When an invalidation reaches this replica, each affected gateway is reloaded and, if its tool
 * set changed, every open stream hears `notifications/tools/list_changed`.
 */
export class StreamHub {
  private readonly byGateway = new Map<string, GatewayStreams>();
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    private readonly store: SnapshotStore,
    private readonly log: Logger,
  ) {
    store.onInvalidation((message) => {
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
      for (const group of this.byGateway.values()) for (const w of group.writers) w.comment('keepalive');
    }, KEEPALIVE_MS);
    this.keepalive.unref();
  }

  open(gateway: PreparedGateway, writer: HubStream): void {
    const { tenant, gateway: gw } = gateway.snapshot;
    let group = this.byGateway.get(gw.id);
    if (!group) {
      group = {
        tenantSlug: tenant.slug,
        gatewaySlug: gw.slug,
        tenantId: tenant.id,
        toolsSignature: toolsSignature(gateway),
        writers: new Set(),
      };
      this.byGateway.set(gw.id, group);
    }
    group.writers.add(writer);
    writer.comment('stream open');
    writer.onClose(() => {
      group.writers.delete(writer);
      if (group.writers.size === 0) this.byGateway.delete(gw.id);
    });
  }

  get openStreams(): number {
    let n = 0;
    for (const group of this.byGateway.values()) n += group.writers.size;
    return n;
  }

  closeAll(): void {
    for (const group of this.byGateway.values()) for (const w of group.writers) w.end();
    this.byGateway.clear();
    clearInterval(this.keepalive);
  }

  private async recheck(group: GatewayStreams): Promise<void> {
    try {
      const lookup = await this.store.get(group.tenantSlug, group.gatewaySlug);
      const signature = lookup.kind === 'found' ? toolsSignature(lookup.gateway) : '[]';
      if (signature === group.toolsSignature) return;
      group.toolsSignature = signature;
      for (const writer of group.writers)
        writer.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not recheck gateway after invalidation');
    }
  }
}
