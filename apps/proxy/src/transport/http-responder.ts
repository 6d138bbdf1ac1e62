import type { ServerResponse } from 'node:http';
import { RPC } from '@toolgate/mcp/jsonrpc';
import type { Responder } from '../dispatch/responder.ts';
import type { UsageDraft } from '../usage/meter.ts';
import { sendJson, SseWriter } from './http-util.ts';
import { ResumableStream, type ResumableStreams } from './resumable-streams.ts';

export interface HttpResponderOptions {
  /** The client accepts SSE. */
  canStream: boolean;
  /** Told what goes out, with the sizes the writes already know. */
  usage?: UsageDraft;
  /** A 2026-07-28 request: an unknown method is answered with HTTP 404, as that revision says. */
  modern?: boolean;
  /** A 2025-11-25 session: its SSE answers are resumable streams. */
  resumable?: { streams: ResumableStreams; sid: string };
}

/**
 * Streamable HTTP: answer with plain JSON unless something must be sent before the result, in
 * which case the response becomes an SSE stream at that moment. Clients that accept SSE handle
 * both; most calls stay cheap JSON. In 2025-11-25 sessions that stream is resumable: once it is
 * open, a dropped connection no longer cancels the call (the client resumes it instead).
 */
export class HttpResponder implements Responder {
  private sse?: SseWriter | ResumableStream;
  private done = false;
  readonly canStream: boolean;
  readonly startedAt = Date.now();
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly options: HttpResponderOptions,
  ) {
    this.canStream = options.canStream;
    // A long silent call becomes a resumable stream too (checked once a second, not per call).
    if (options.canStream && options.resumable) this.unwatch = options.resumable.streams.watch(this);
  }

  /** Opens the resumable stream now (the answer is taking long): the client can resume from here. */
  promote(): void {
    if (!this.done && !this.sse && !this.res.destroyed) this.sse = this.openStream();
  }

  send(message: unknown): void {
    if (!this.canStream || this.done) return;
    this.sse ??= this.openStream();
    const bytes = this.sse.send(message);
    this.options.usage?.sent(bytes);
  }

  reply(message: unknown): void {
    if (this.done) return;
    this.done = true;
    this.unwatch?.();
    let bytes = 0;
    if (this.sse) {
      bytes = this.sse.send(message);
      this.sse.end();
    } else if (!this.res.headersSent && !this.res.destroyed) {
      const notFound =
        this.options.modern === true &&
        (message as { error?: { code?: number } }).error?.code === RPC.METHOD_NOT_FOUND;
      bytes = sendJson(this.res, notFound ? 404 : 200, message);
    }
    this.options.usage?.reply(message, bytes);
  }

  onAbort(listener: () => void): void {
    this.res.once('close', () => {
      // A resumable stream outlives its connection: the client resumes it, or cancels the call.
      if (!this.done && !(this.sse instanceof ResumableStream)) listener();
    });
  }

  private openStream(): SseWriter | ResumableStream {
    this.unwatch?.();
    const { resumable } = this.options;
    return resumable ? resumable.streams.open(this.res, resumable.sid) : new SseWriter(this.res);
  }
}
