import { isObject } from './modern-wire.ts';
import { label } from './rpc-channel.ts';
import { UpstreamError } from './types.ts';

type Json = Record<string, unknown>;

/** Back-off between re-opens of a listen stream that dropped. */
const MIN_REOPEN_MS = 500;
const MAX_REOPEN_MS = 30_000;

export interface ListenHost {
  readonly name: string;
  /** The upstream's capabilities (from server/discover): what it can notify about. */
  capabilities(): Json;
  /**
   * Sends one `subscriptions/listen` request carrying `filter`; `onAck` hears the acknowledged
   * filter. Settles when the stream ends: resolves when the server ended it, rejects when it broke.
   */
  listen(filter: Json, onAck: (honored: Json) => void, signal: AbortSignal): Promise<unknown>;
  /** A stream re-opened after a drop: notifications sent meanwhile were missed. */
  reopened(): void;
}

interface Stream {
  readonly key: string;
  readonly uris: readonly string[];
  readonly controller: AbortController;
  honored: Json | undefined;
  /** Opened to replace a stream that broke. */
  readonly afterDrop: boolean;
}

interface Waiter {
  readonly uri: string;
  readonly resolve: () => void;
  readonly reject: (error: UpstreamError) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The `subscriptions/listen` stream of a 2026-07-28 upstream (which has no GET stream and no
 * resources/subscribe): one POST stream open while the pool listens, asking for the list changes
 * the upstream offers and updates of the subscribed resource URIs. A changed URI set opens a new
 * stream and drops the old one once the new one is acknowledged, so nothing is missed between them.
 */
export class ModernListener {
  private listening = false;
  private stopped = false;
  private readonly uris = new Set<string>();
  private current: Stream | undefined;
  private replaced: Stream | undefined;
  private waiters: Waiter[] = [];
  private failures = 0;
  private retry: NodeJS.Timeout | undefined;
  /** The filter the upstream refused outright: not asked again until it changes. */
  private refused: string | undefined;

  constructor(private readonly host: ListenHost) {}

  setListening(on: boolean): void {
    this.listening = on;
    this.update(false);
  }

  subscribe(uri: string, timeoutMs: number): Promise<void> {
    if (this.stopped) return Promise.reject(this.closedError());
    const resources = this.host.capabilities().resources;
    if (!isObject(resources) || resources.subscribe !== true) {
      return Promise.reject(this.refusal(uri, 'it offers no resource subscriptions'));
    }
    if (this.uris.has(uri) && this.honors(this.current, uri)) return Promise.resolve();
    this.uris.add(uri);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(waiter);
        reject(
          new UpstreamError(
            'timeout',
            `${label(this.host.name)} did not acknowledge a subscription to ${uri}`,
          ),
        );
      }, timeoutMs).unref();
      const waiter: Waiter = { uri, resolve, reject, timer };
      this.waiters.push(waiter);
      this.update(false);
    });
  }

  unsubscribe(uri: string): void {
    if (this.uris.delete(uri)) this.update(false);
  }

  stop(error: UpstreamError): void {
    this.stopped = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    this.current?.controller.abort();
    this.replaced?.controller.abort();
    this.current = this.replaced = undefined;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.waiters = [];
  }

  /** Opens, replaces or closes the stream so that it asks for what is wanted now. */
  private update(afterDrop: boolean): void {
    if (this.stopped || this.retry !== undefined) return;
    const filter = this.filter();
    if (filter === undefined) {
      this.current?.controller.abort();
      this.replaced?.controller.abort();
      this.current = this.replaced = undefined;
      return;
    }
    const key = JSON.stringify(filter);
    if (key === this.current?.key || key === this.refused) return;
    this.replaced?.controller.abort();
    this.replaced = this.current;
    const stream: Stream = {
      key,
      uris: [...this.uris],
      controller: new AbortController(),
      honored: undefined,
      afterDrop,
    };
    this.current = stream;
    this.host
      .listen(filter, (honored) => this.acknowledged(stream, honored), stream.controller.signal)
      .then(
        () => this.ended(stream, undefined),
        (error: unknown) => this.ended(stream, error),
      );
  }

  /** The notifications the upstream's capabilities offer, and the URIs wanted; none: no stream. */
  private filter(): Json | undefined {
    const caps = this.host.capabilities();
    const filter: Json = {};
    if (this.listening) {
      if (offers(caps.tools)) filter.toolsListChanged = true;
      if (offers(caps.prompts)) filter.promptsListChanged = true;
      if (offers(caps.resources)) filter.resourcesListChanged = true;
    }
    if (this.uris.size > 0) filter.resourceSubscriptions = [...this.uris].sort();
    return Object.keys(filter).length === 0 ? undefined : filter;
  }

  private acknowledged(stream: Stream, params: Json): void {
    const honored = isObject(params.notifications) ? params.notifications : {};
    stream.honored = honored;
    if (stream !== this.current) return;
    this.failures = 0;
    this.replaced?.controller.abort();
    this.replaced = undefined;
    for (const waiter of [...this.waiters]) {
      if (!stream.uris.includes(waiter.uri)) continue;
      this.settle(waiter);
      if (this.honors(stream, waiter.uri)) waiter.resolve();
      else waiter.reject(this.refusal(waiter.uri, 'it did not acknowledge it'));
    }
    if (stream.afterDrop) this.host.reopened();
  }

  private ended(stream: Stream, error: unknown): void {
    if (stream === this.replaced) this.replaced = undefined;
    // Ours to close (replaced, stopped): nothing to do.
    if (stream !== this.current || stream.controller.signal.aborted || this.stopped) return;
    this.current = undefined;
    const refused =
      error instanceof UpstreamError &&
      (error.kind === 'rpc' || (error.kind === 'http' && (error.httpStatus ?? 0) < 500));
    // Ended at once with nothing acknowledged: the upstream cannot give what we ask for.
    const unwanted = error === undefined && stream.honored !== undefined && isEmpty(stream.honored);
    if (refused || unwanted) {
      this.refused = stream.key;
      const why = error instanceof UpstreamError ? error : undefined;
      for (const waiter of [...this.waiters]) {
        if (!stream.uris.includes(waiter.uri)) continue;
        this.settle(waiter);
        waiter.reject(why ?? this.refusal(waiter.uri, 'it did not acknowledge it'));
      }
      return;
    }
    const wait = Math.min(MAX_REOPEN_MS, MIN_REOPEN_MS * 2 ** Math.min(this.failures, 6));
    this.failures++;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.update(true);
    }, wait).unref();
  }

  private honors(stream: Stream | undefined, uri: string): boolean {
    const uris = stream?.honored?.resourceSubscriptions;
    return Array.isArray(uris) && uris.includes(uri);
  }

  private settle(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.waiters = this.waiters.filter((w) => w !== waiter);
  }

  private refusal(uri: string, why: string): UpstreamError {
    const message = `${label(this.host.name)} cannot be subscribed to ${uri}: ${why}`;
    return new UpstreamError('rpc', message, { code: -32602, message });
  }

  private closedError(): UpstreamError {
    return new UpstreamError('closed', `${label(this.host.name)} is closed`);
  }
}

const offers = (capability: unknown): boolean => isObject(capability) && capability.listChanged === true;

function isEmpty(filter: Json): boolean {
  return Object.values(filter).every((v) => v === false || (Array.isArray(v) && v.length === 0));
}
