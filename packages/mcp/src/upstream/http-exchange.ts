import { StringDecoder } from 'node:string_decoder';
import type { Dispatcher } from 'undici';

/** Response headers as undici hands them over: lower-case names, repeated ones as arrays. */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** Where requests to one URL go: precomputed so the hot path does not re-parse the URL. */
export interface Endpoint {
  url: URL;
  origin: string;
  path: string;
  dispatcher: Dispatcher;
}

/** A header's value, the first one when the upstream repeated it. */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

type Head = (status: number, headers: ResponseHeaders, exchange: Exchange) => void;

/**
 * One request on the pool's undici dispatcher, read through callbacks rather than a stream, which
 * spares a Readable per request. `onHead` gets the status and headers and says what the body is
 * for (`collect`, `read`, `drain`); a body nobody asked for is read and dropped, so the
 * connection goes back to the pool. `onFailure` hears of a request that got no response at all.
 * Once the exchange has ended, failed or been destroyed by its owner, no callback fires.
 */
export class Exchange implements Dispatcher.DispatchHandler {
  private finished = false;
  private started = false;
  private controller: Dispatcher.DispatchController | undefined;
  private onChunk: ((chunk: Buffer) => void) | undefined;
  private onBodyEnd: ((error: Error | undefined) => void) | undefined;

  constructor(
    private readonly onHead: Head,
    private readonly onFailure: (error: Error) => void,
  ) {}

  /** Sends the request; callbacks may run before this returns (e.g. a dispatcher already closed). */
  send(
    endpoint: Endpoint,
    method: 'GET' | 'POST' | 'DELETE',
    headers: Record<string, string>,
    body?: string,
  ): this {
    endpoint.dispatcher.dispatch(
      { origin: endpoint.origin, path: endpoint.path, method, headers, body: body ?? null },
      this,
    );
    return this;
  }

  /** Frees the connection (a request or response cut short closes it). Silent: the owner knows why. */
  destroy(): void {
    if (this.finished) return;
    this.finished = true;
    this.controller?.abort(new Error('abandoned by the gateway'));
  }

  /** Reads the whole body, up to `limit` bytes; calls back exactly once unless destroyed. */
  collect(limit: number, done: (error: Error | undefined, body: string) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    this.onChunk = (chunk) => {
      size += chunk.length;
      if (size > limit) {
        this.destroy();
        done(new Error('body too large'), '');
        return;
      }
      chunks.push(chunk);
    };
    this.onBodyEnd = (error) => {
      if (error !== undefined) done(error, '');
      else
        done(
          undefined,
          chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
        );
    };
  }

  /** Hands the body over as UTF-8 text as it arrives; `onEnd` gets the error if it broke off. */
  read(onText: (text: string) => void, onEnd: (error: Error | undefined) => void): void {
    // A character may be split across two chunks.
    const decoder = new StringDecoder('utf8');
    this.onChunk = (chunk) => onText(decoder.write(chunk));
    this.onBodyEnd = onEnd;
  }

  /** Drops the body, calling back once it has been read (or broke off). */
  drain(onEnd: () => void): void {
    this.onBodyEnd = onEnd;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Destroyed while waiting for a connection: undici only lets us abort once it starts.
    if (this.finished) controller.abort(new Error('abandoned by the gateway'));
    else this.controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    status: number,
    headers: ResponseHeaders,
  ): void {
    // Informational answers (100, 103) come before the response, which node:http never showed either.
    if (this.finished || status < 200) return;
    this.started = true;
    this.onHead(status, headers, this);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.finished) this.onChunk?.(chunk);
  }

  onResponseEnd(): void {
    if (this.finished) return;
    this.finished = true;
    this.onBodyEnd?.(undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.finished) return;
    this.finished = true;
    if (this.started) this.onBodyEnd?.(error);
    else this.onFailure(error);
  }
}
