import type { RpcChannel } from './rpc-channel.ts';
import type { JsonRpcNotification, UpstreamTarget, UpstreamWatch } from './types.ts';

type Listener = (notification: JsonRpcNotification) => void;

/** How often watched upstreams whose session went away are reconnected. */
const SWEEP_MS = 2_000;
const MAX_RETRY_MS = 30_000;

/** After a reconnect the listeners re-read everything: changes made meanwhile were not heard. */
const RESYNC: JsonRpcNotification[] = [
  { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
  { jsonrpc: '2.0', method: 'notifications/prompts/list_changed' },
  { jsonrpc: '2.0', method: 'notifications/resources/list_changed' },
];

interface Watched {
  readonly target: UpstreamTarget;
  readonly listeners: Set<Listener>;
  /** Resource URIs subscribed on the pooled session, with how many watchers asked for each. */
  readonly resources: Map<string, number>;
  /** Upstream subscriptions being made, so concurrent askers wait for one. */
  readonly pending: Map<string, Promise<void>>;
  channel: RpcChannel | undefined;
  attaching: Promise<RpcChannel> | undefined;
  failures: number;
  retryAt: number;
}

/**
 * Upstream sessions someone listens to (a gateway client's notification stream): each pooled
 * session is kept open and listening (its GET stream, or the stdio / legacy SSE stream it always
 * has), reconnected when it goes away, and its resource subscriptions are made once and counted
 * across watchers, so one watcher's unsubscribe never silences another's.
 */
export class Watches {
  private readonly byKey = new Map<string, Watched>();
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    /** The pooled session of a target, connecting if needed. */
    private readonly open: (target: UpstreamTarget) => Promise<RpcChannel>,
    private readonly timeoutMs: number,
  ) {}

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get size(): number {
    return this.byKey.size;
  }

  watch(target: UpstreamTarget, listener: Listener): UpstreamWatch {
    let watched = this.byKey.get(target.key);
    if (watched === undefined) {
      watched = {
        target,
        listeners: new Set(),
        resources: new Map(),
        pending: new Map(),
        channel: undefined,
        attaching: undefined,
        failures: 0,
        retryAt: 0,
      };
      this.byKey.set(target.key, watched);
    }
    const w = watched;
    w.listeners.add(listener);
    this.ensure(w).catch(() => undefined);
    this.sweep ??= setInterval(this.reconnect, SWEEP_MS).unref();
    const mine = new Map<string, number>();
    let closed = false;
    return {
      subscribe: async (uri) => {
        if (closed) throw new Error('watch closed');
        const channel = await this.ensure(w);
        let pending = w.pending.get(uri);
        if (pending === undefined && !w.resources.has(uri)) {
          pending = channel.subscribeResource(uri, this.timeoutMs).finally(() => w.pending.delete(uri));
          w.pending.set(uri, pending);
          // A refusal leaves nothing behind upstream (a 2026 listen filter keeps what it was asked).
          pending.catch(() => {
            if (!w.resources.has(uri))
              channel.unsubscribeResource(uri, this.timeoutMs).catch(() => undefined);
          });
        }
        if (pending !== undefined) await pending;
        w.resources.set(uri, (w.resources.get(uri) ?? 0) + 1);
        if (closed) {
          // Closed while subscribing: the count this call added goes again.
          await this.release(w, uri);
          throw new Error('watch closed');
        }
        mine.set(uri, (mine.get(uri) ?? 0) + 1);
      },
      unsubscribe: async (uri) => {
        const count = mine.get(uri);
        if (count === undefined) return;
        if (count <= 1) mine.delete(uri);
        else mine.set(uri, count - 1);
        await this.release(w, uri);
      },
      close: () => {
        if (closed) return;
        closed = true;
        for (const [uri, count] of mine) for (let i = 0; i < count; i++) void this.release(w, uri);
        w.listeners.delete(listener);
        if (w.listeners.size > 0) return;
        this.byKey.delete(w.target.key);
        if (w.channel !== undefined) {
          w.channel.onSessionNotification = undefined;
          w.channel.onSessionRestarted = undefined;
          w.channel.setListening(false);
        }
        if (this.byKey.size === 0 && this.sweep !== undefined) {
          clearInterval(this.sweep);
          this.sweep = undefined;
        }
      },
    };
  }

  /** The pool opened a new session for `key`: watchers move to it at once. */
  opened(key: string, channel: RpcChannel): void {
    const w = this.byKey.get(key);
    if (w !== undefined) this.attach(w, channel);
  }

  close(): void {
    if (this.sweep !== undefined) clearInterval(this.sweep);
    this.sweep = undefined;
    this.byKey.clear();
  }

  private async release(w: Watched, uri: string): Promise<void> {
    const count = w.resources.get(uri);
    if (count === undefined) return;
    if (count > 1) {
      w.resources.set(uri, count - 1);
      return;
    }
    w.resources.delete(uri);
    const channel = w.channel;
    if (channel !== undefined && !channel.closed)
      await channel.unsubscribeResource(uri, this.timeoutMs).catch(() => undefined);
  }

  private ensure(w: Watched): Promise<RpcChannel> {
    if (w.channel !== undefined && !w.channel.closed) return Promise.resolve(w.channel);
    if (w.attaching === undefined) {
      const attaching = this.open(w.target).then(
        (channel) => {
          w.failures = 0;
          this.attach(w, channel);
          return channel;
        },
        (error: unknown) => {
          w.failures++;
          w.retryAt = Date.now() + Math.min(MAX_RETRY_MS, SWEEP_MS * 2 ** Math.min(w.failures - 1, 4));
          throw error;
        },
      );
      w.attaching = attaching;
      attaching.then(
        () => (w.attaching = undefined),
        () => (w.attaching = undefined),
      );
    }
    return w.attaching;
  }

  private attach(w: Watched, channel: RpcChannel): void {
    if (w.channel === channel || this.byKey.get(w.target.key) !== w) return;
    const reconnected = w.channel !== undefined;
    w.channel = channel;
    channel.onSessionNotification = (notification) => {
      for (const listener of w.listeners) {
        try {
          listener(notification);
        } catch {
          // One watcher's failure must not keep the others from hearing it.
        }
      }
    };
    channel.onSessionRestarted = () => this.resync(w, channel);
    channel.setListening(true);
    if (reconnected) this.resync(w, channel);
  }

  /** A new upstream session: subscriptions are made again and listeners re-read every list. */
  private resync(w: Watched, channel: RpcChannel): void {
    if (w.channel !== channel) return;
    for (const uri of w.resources.keys())
      channel.subscribeResource(uri, this.timeoutMs).catch(() => undefined);
    for (const n of RESYNC) channel.onSessionNotification?.(n);
  }

  private readonly reconnect = (): void => {
    const now = Date.now();
    for (const w of this.byKey.values()) {
      if (w.attaching !== undefined || now < w.retryAt) continue;
      if (w.channel === undefined || w.channel.closed) this.ensure(w).catch(() => undefined);
    }
  };
}
