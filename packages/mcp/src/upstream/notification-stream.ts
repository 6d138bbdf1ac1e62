import { type Endpoint, Exchange, headerValue } from './http-exchange.ts';
import { SseParser } from './sse-parser.ts';

/** Back-off between re-opens of a notification stream that dropped or was refused. */
const MIN_REOPEN_MS = 1_000;
const MAX_REOPEN_MS = 30_000;
const HEALTHY_AFTER_MS = 10_000;

export interface NotificationStreamHost {
  readonly endpoint: Endpoint;
  /** The session's current headers (they change when the session is re-initialized). */
  headers(): Record<string, string>;
  /** One message received on the stream (JSON text). */
  receive(text: string): void;
  /**
   * The upstream answered 404: if our session is gone, the host starts a new one (and calls
   * `restart`) and returns true; false when there was no session to lose.
   */
  lostSession(): boolean;
}

/**
 * The GET stream of a Streamable HTTP session (2025-11-25), kept open while the pool watches the
 * upstream, so it can send list changes and resource updates outside any call. It re-opens after
 * a drop, resuming with `Last-Event-ID` when the server gave event ids, and gives up for good on
 * 405 (the server offers no such stream: it can only notify inside calls).
 */
export class NotificationStream {
  private exchange: Exchange | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  private lastEventId: string | undefined;
  /** A 404 was taken for a lost session: another one right after a new session means "no stream". */
  private lostOnce = false;
  private openedAt = 0;
  /** The server said it offers no GET stream. */
  unsupported = false;

  constructor(private readonly host: NotificationStreamHost) {}

  start(): void {
    this.stopped = false;
    if (this.exchange === undefined && this.timer === undefined && !this.unsupported) this.open();
  }

  /** The session was replaced: the old stream goes, the new session's opens. */
  restart(): void {
    if (this.stopped) return;
    this.exchange?.destroy();
    this.exchange = undefined;
    this.lastEventId = undefined;
    // At once: notifications sent meanwhile are lost. A server that refuses the new session's
    // stream too is taken to offer none (`lostOnce`), so this cannot loop.
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.unsupported) this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.exchange?.destroy();
    this.exchange = undefined;
  }

  private open(): void {
    const headers: Record<string, string> = { ...this.host.headers(), accept: 'text/event-stream' };
    delete headers['content-type'];
    if (this.lastEventId !== undefined) headers['last-event-id'] = this.lastEventId;
    const parser = new SseParser((event) => {
      if (event.event === 'message' && event.data !== '') this.host.receive(event.data);
    });
    const exchange = new Exchange(
      (status, resHeaders) => {
        if (this.exchange !== exchange) return;
        const type = headerValue(resHeaders, 'content-type') ?? '';
        if (status !== 200 || !type.includes('text/event-stream')) {
          exchange.destroy();
          this.exchange = undefined;
          // 405: the server offers no GET stream; 404 without a session to lose, or again right
          // after a new session, means the same.
          if (status === 405 || (status === 404 && (this.lostOnce || !this.host.lostSession()))) {
            this.unsupported = true;
            return;
          }
          this.lostOnce = status === 404;
          // A lost session's stream re-opens once the host has a new one (restart).
          if (status !== 404) this.reopenLater(undefined);
          return;
        }
        this.openedAt = Date.now();
        this.lostOnce = false;
        exchange.read(
          (text) => {
            try {
              parser.push(text);
            } catch {
              exchange.destroy(); // oversized event: drop the stream and open a new one
              this.dropped(exchange, parser);
            }
          },
          () => this.dropped(exchange, parser),
        );
      },
      () => {
        if (this.exchange !== exchange) return;
        this.exchange = undefined;
        this.reopenLater(undefined);
      },
    );
    this.exchange = exchange;
    exchange.send(this.host.endpoint, 'GET', headers);
  }

  private dropped(exchange: Exchange, parser: SseParser): void {
    if (this.exchange !== exchange) return;
    this.exchange = undefined;
    this.lastEventId = parser.lastEventId ?? this.lastEventId;
    // A stream that stayed up a while was healthy; one the server keeps ending at once backs off.
    if (Date.now() - this.openedAt > HEALTHY_AFTER_MS) this.failures = 0;
    this.reopenLater(parser.retryMs);
  }

  private reopenLater(retryMs: number | undefined): void {
    if (this.stopped) return;
    this.failures++;
    const backoff = Math.min(MAX_REOPEN_MS, MIN_REOPEN_MS * 2 ** Math.min(this.failures - 1, 5));
    const wait = retryMs !== undefined && this.failures === 1 ? Math.max(retryMs, 100) : backoff;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.open();
    }, wait).unref();
  }
}
