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
  constructor(private readonly options: ResumableStreamOptions) {}

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
    const pending: StreamEvent[] = [];
    let replaying = true;
    const write = (event: StreamEvent) => {
      if (finished || event.seq <= written) return;
      written = event.seq;
      res.write(
        `id: ${from.streamId}.${event.seq}\nevent: message\ndata: ${JSON.stringify(event.message)}\n\n`,
      );
      if (isResponse(event.message)) finish();
    };
    const unsubscribe = await bus.sessions.subscribe(liveChannel(from.streamId), (m) => {
      const event = m as StreamEvent;
      if (replaying) pending.push(event);
      else write(event);
    });
    // A stream whose answer never comes (its replica died) is closed when its events would expire.
    const timer = setTimeout(() => finish(), bufferSeconds * 1000);
    timer.unref();
    function finish() {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      void unsubscribe().catch(() => undefined);
      if (!res.writableEnded) res.end();
    }
    res.once('close', finish);
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
    sid: string,
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
      .then(() => bus.streamEvents.append(this.id, JSON.stringify(event), bufferSeconds, bufferEvents))
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
