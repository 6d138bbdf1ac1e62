import type { ServerResponse } from 'node:http';
import { RPC } from '@toolgate/mcp/jsonrpc';
import type { Responder } from '../dispatch/responder.ts';
import type { UsageDraft } from '../usage/meter.ts';
import { sendJson, SseWriter } from './http-util.ts';

/**
 * Streamable HTTP: answer with plain JSON unless something must be sent before the result, in
 * which case the response becomes an SSE stream at that moment. Clients that accept SSE handle
 * both; most calls stay cheap JSON.
 */
export class HttpResponder implements Responder {
  private sse?: SseWriter;
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    readonly canStream: boolean,
    /** Told what goes out, with the sizes the writes already know. */
    private readonly usage?: UsageDraft,
    /** A 2026-07-28 request: an unknown method is answered with HTTP 404, as that revision says. */
    private readonly modern = false,
  ) {}

  send(message: unknown): void {
    if (!this.canStream || this.done) return;
    this.sse ??= new SseWriter(this.res);
    const bytes = this.sse.send(message);
    this.usage?.sent(bytes);
  }

  reply(message: unknown): void {
    if (this.done) return;
    this.done = true;
    let bytes = 0;
    if (this.sse) {
      bytes = this.sse.send(message);
      this.sse.end();
    } else if (!this.res.headersSent && !this.res.destroyed) {
      const notFound =
        this.modern && (message as { error?: { code?: number } }).error?.code === RPC.METHOD_NOT_FOUND;
      bytes = sendJson(this.res, notFound ? 404 : 200, message);
    }
    this.usage?.reply(message, bytes);
  }

  onAbort(listener: () => void): void {
    this.res.once('close', () => {
      if (!this.done) listener();
    });
  }
}
