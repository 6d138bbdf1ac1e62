import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';

export interface ResumableStreamOptions {
  bus: Bus;
  log: Logger;
  /** How long a stream's events stay readable after its last event. */
  bufferSeconds: number;
  /** Events kept per stream (the oldest go first). */
  bufferEvents: number;
  /** The `retry` the client is told to wait before resuming. */
  retryMs: number;
  /** Streams are ended on purpose after this long (the client resumes); 0: never. */
  maxStreamMs: number;
  /**
   * A call still unanswered after this long becomes a resumable stream (a priming event), so a
   * long silent call survives a dropped connection too; 0: only calls with something to send.
   */
  promoteAfterMs: number;
}

/** An answer that may still become a resumable stream (see `promoteAfterMs`). */
export interface Promotable {
  readonly startedAt: number;
  promote(): void;
}

/** One buffered event: its position on the stream and the JSON-RPC message. */
interface StreamEvent {
  seq: number;
  message: unknown;
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

const noop = () => undefined;
const ownerKey = (streamId: string) => `stream-owner:${streamId}`;
const liveChannel = (streamId: string) => `stream:${streamId}`;
/** A final answer ends the stream; requests and notifications do not. */
const isResponse = (m: unknown) =>
  typeof m === 'object' && m !== null && 'id' in m && !('method' in m) && ('result' in m || 'error' in m);

/** Event ids are `<stream>.<position>`: any replica can tell which stream a client resumes. */
export function parseEventId(value: string | undefined): { streamId: string; seq: number } | undefined {
  const match = value === undefined ? null : /^([A-Za-z0-9_-]{16,64})\.(\d{1,9})$/.exec(value);
  return match ? { streamId: match[1]!, seq: Number(match[2]) } : undefined;
}

/**
 * Resumable SSE streams (MCP 2025-11-25): a POST answered over SSE starts with a priming event
 * (an id and empty data) and a `retry`, and every event has an id naming the stream and the
 * position. Events also go to the bus (bounded in time and count) and to a bus channel, so when
 * the connection drops — the client went away, a proxy cut it, or the gateway ended a long stream
 * on purpose — the call goes on, and the client resumes with GET + `Last-Event-ID` on any replica
 * and receives what it missed and the rest.
 */
export class ResumableStreams {
  /** Answers still plain JSON, checked once a second: a timer per call would cost every call. */
  private readonly waiting = new Set<Promotable>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: ResumableStreamOptions) {}

  /** Promotes `answer` if it is still pending after `promoteAfterMs`; returns the release. */
  watch(answer: Promotable): () => void {
    if (this.options.promoteAfterMs <= 0) return noop;
    this.waiting.add(answer);
    this.sweeper ??= setInterval(() => this.sweep(), Math.min(1_000, this.options.promoteAfterMs)).unref();
    return () => void this.waiting.delete(answer);
  }

  private sweep(): void {
    const due = Date.now() - this.options.promoteAfterMs;
    for (const answer of this.waiting) {
      if (answer.startedAt > due) continue;
      this.waiting.delete(answer);
      answer.promote();
    }
    if (this.waiting.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Starts a resumable stream on a POST's response, owned by the session `sid`. */
  open(res: ServerResponse, sid: string): ResumableStream {
    return new ResumableStream(res, sid, this.options);
  }

  /**
   * Resumes a stream on a GET: replays the events after `lastEventId` and follows the rest until
   * the answer. False (nothing written) when the id names no live stream of this session.
   */
  async resume(res: ServerResponse, sid: string, lastEventId: string): Promise<boolean> {
    const { bus, retryMs, bufferSeconds, log } = this.options;
    const from = parseEventId(lastEventId);
    if (!from) return false;
    const owner = await bus.sharedCache.get(ownerKey(from.streamId));
    if (owner !== sid) return false;

    let written = from.seq;
    let finished = false;
    const live: { unsubscribe?: () => Promise<void> } = {};
    let timer: NodeJS.Timeout | undefined;
    // A stream whose answer never comes (its replica died) is closed once its events would have
    // expired: `bufferSeconds` after the last one.
    const keepAlive = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, bufferSeconds * 1000).unref();
    };
    function finish() {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      void live.unsubscribe?.().catch(() => undefined);
      if (!res.writableEnded) res.end();
    }
    res.once('close', finish);
    const pending: StreamEvent[] = [];
    let replaying = true;
    const write = (event: StreamEvent) => {
      if (finished || event.seq <= written) return;
      written = event.seq;
      keepAlive();
      res.write(
        `id: ${from.streamId}.${event.seq}\nevent: message\ndata: ${JSON.stringify(event.message)}\n\n`,
      );
      if (isResponse(event.message)) finish();
    };
    live.unsubscribe = await bus.sessions.subscribe(liveChannel(from.streamId), (m) => {
      const event = m as StreamEvent;
      if (replaying) pending.push(event);
      else write(event);
    });
    if (finished) {
      // The client left while we subscribed.
      void live.unsubscribe().catch(() => undefined);
      return true;
    }
    keepAlive();
    res.writeHead(200, SSE_HEADERS);
    res.write(`retry: ${retryMs}\n\n`);
    try {
      for (const raw of await bus.streamEvents.read(from.streamId)) write(JSON.parse(raw) as StreamEvent);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'could not read a stream to resume');
      finish();
      return true;
    }
    replaying = false;
    for (const event of pending.sort((a, b) => a.seq - b.seq)) write(event);
    return true;
  }

  static newStreamId(): string {
    return randomBytes(16).toString('base64url');
  }
}

/** One resumable POST stream (see ResumableStreams). */
export class ResumableStream {
  readonly id = ResumableStreams.newStreamId();
  private seq = 0;
  private detached = false;
  private readonly endTimer: NodeJS.Timeout | undefined;
  /** Appends in order, so a resumer reads positions in the order they were written. */
  private appended: Promise<unknown>;

  constructor(
    private readonly res: ServerResponse,
    private readonly sid: string,
    private readonly options: ResumableStreamOptions,
  ) {
    const { bus, bufferSeconds, retryMs, maxStreamMs } = options;
    this.appended = bus.sharedCache.set(ownerKey(this.id), sid, bufferSeconds).catch((err: unknown) => {
      options.log.warn({ err: (err as Error).message }, 'could not record a resumable stream');
    });
    res.writeHead(200, SSE_HEADERS);
    res.write(`id: ${this.id}.0\nretry: ${retryMs}\ndata: \n\n`);
    res.once('close', () => this.detach());
    if (maxStreamMs > 0) {
      this.endTimer = setTimeout(() => {
        // Ended on purpose (proxies cut long streams); the client resumes after `retry`.
        if (!res.writableEnded) res.end();
        this.detach();
      }, maxStreamMs);
      this.endTimer.unref();
    }
  }

  /** Whether the client's connection is gone (events now only reach a resuming client). */
  get isDetached(): boolean {
    return this.detached;
  }

  /** Writes one message event (and buffers it); returns the size of its JSON. */
  send(message: unknown): number {
    const seq = ++this.seq;
    const data = JSON.stringify(message);
    if (!this.detached) this.res.write(`id: ${this.id}.${seq}\nevent: message\ndata: ${data}\n\n`);
    const event: StreamEvent = { seq, message };
    const { bus, bufferSeconds, bufferEvents, log } = this.options;
    this.appended = this.appended
      .then(() =>
        Promise.all([
          bus.streamEvents.append(this.id, JSON.stringify(event), bufferSeconds, bufferEvents),
          // Owned as long as its events are kept: a long call stays resumable to its end.
          bus.sharedCache.set(ownerKey(this.id), this.sid, bufferSeconds),
        ]),
      )
      .then(() => bus.sessions.publish(liveChannel(this.id), event))
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'could not buffer a stream event'));
    return Buffer.byteLength(data);
  }

  end(): void {
    if (this.endTimer) clearTimeout(this.endTimer);
    if (!this.detached && !this.res.writableEnded) this.res.end();
    this.detached = true;
  }

  private detach(): void {
    this.detached = true;
    if (this.endTimer) clearTimeout(this.endTimer);
  }
}
