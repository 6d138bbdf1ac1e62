import type { ClientRequest, IncomingMessage } from 'node:http';
import {
  type Endpoint,
  type SessionContext,
  callHeaders,
  checkUrl,
  collectBody,
  endpointFor,
  httpError,
  lowerCaseHeaders,
  networkError,
} from './http-common.ts';
import { type PendingCall, RpcChannel, label } from './rpc-channel.ts';
import { SseParser } from './sse-parser.ts';
import { type UpstreamTarget, UpstreamError } from './types.ts';

const ignore = (): void => undefined;

/**
 * One pooled session over the legacy HTTP+SSE transport (2024-11-05): a long-lived GET stream
 * announces a POST endpoint, messages are POSTed there and every answer comes back on the stream.
 * When the stream drops, in-flight calls fail and the next request reconnects and re-initializes.
 */
export class SseSession extends RpcChannel {
  private readonly streamEndpoint: Endpoint;
  private postEndpoint: Endpoint | undefined;
  private readonly targetHeaders: Record<string, string>;
  private readonly postHeaders: Record<string, string>;
  private stream: ClientRequest | undefined;
  private connected = false;
  private connecting: Promise<void> | undefined;
  private generation = 0;

  constructor(
    target: UpstreamTarget,
    private readonly ctx: SessionContext,
  ) {
    super(target.label);
    this.streamEndpoint = endpointFor(new URL(target.url ?? ''), ctx);
    this.targetHeaders = lowerCaseHeaders(target.headers);
    this.postHeaders = { ...this.targetHeaders, 'content-type': 'application/json' };
  }

  override get live(): boolean {
    return !this.closed && this.connected;
  }

  override start(): Promise<void> {
    return this.connect();
  }

  override async close(error: UpstreamError): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.failAll(error);
    this.stream?.destroy();
    this.stream = undefined;
  }

  protected override transmitRequest(call: PendingCall): void {
    if (!this.connected && call.method !== 'initialize') {
      this.connect().then(
        () => this.post(call),
        (error: unknown) => this.fail(call, error as UpstreamError),
      );
      return;
    }
    this.post(call);
  }

  protected override transmitBody(body: string): Promise<void> {
    const endpoint = this.postEndpoint;
    if (endpoint === undefined)
      return Promise.reject(new UpstreamError('closed', `${label(this.name)} is not connected`));
    return new Promise((resolve, reject) => {
      const req = endpoint.request({ ...endpoint.base, method: 'POST', headers: this.postHeaders }, (res) => {
        res.on('error', ignore);
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(httpError(this.name, status, 'a notification'));
      });
      const timer = setTimeout(() => req.destroy(), this.ctx.connectTimeoutMs).unref();
      req.on('close', () => clearTimeout(timer));
      req.on('error', (error) => reject(networkError(this.name, error)));
      req.end(body);
    });
  }

  private connect(): Promise<void> {
    if (this.closed) return Promise.reject(new UpstreamError('closed', `${label(this.name)} is closed`));
    this.connecting ??= this.open().then(
      () => {
        this.connecting = undefined;
        this.connected = true;
      },
      (error: unknown) => {
        this.connecting = undefined;
        this.dropStream();
        throw error;
      },
    );
    return this.connecting;
  }

  private async open(): Promise<void> {
    await checkUrl(this.ctx, this.streamEndpoint.url, this.name);
    const generation = ++this.generation;
    this.postEndpoint = await this.openStream(generation);
    await this.handshake(this.ctx.clientInfo, this.ctx.protocolVersion, this.ctx.connectTimeoutMs);
  }

  /** Opens the GET stream and resolves with the POST endpoint it announces. */
  private openStream(generation: number): Promise<Endpoint> {
    return new Promise((resolve, reject) => {
      let announced = false;
      const failOpen = (error: UpstreamError) => {
        if (announced) return;
        announced = true;
        clearTimeout(timer);
        req.destroy();
        reject(error);
      };
      const headers = { ...this.targetHeaders, accept: 'text/event-stream', 'cache-control': 'no-cache' };
      const req = this.streamEndpoint.request(
        { ...this.streamEndpoint.base, method: 'GET', headers },
        (res) => {
          res.on('error', ignore);
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            res.resume();
            failOpen(httpError(this.name, status, 'the event stream request'));
            return;
          }
          if (!(res.headers['content-type'] ?? '').includes('text/event-stream')) {
            res.resume();
            failOpen(new UpstreamError('connect', `${label(this.name)} did not answer with an event stream`));
            return;
          }
          const parser = new SseParser(({ event, data }) => {
            if (event === 'endpoint') {
              if (announced) return;
              let url: URL;
              try {
                url = new URL(data, this.streamEndpoint.url);
              } catch {
                failOpen(
                  new UpstreamError('protocol', `${label(this.name)} announced an invalid message endpoint`),
                );
                return;
              }
              if (url.origin !== this.streamEndpoint.url.origin) {
                failOpen(
                  new UpstreamError(
                    'protocol',
                    `${label(this.name)} announced a message endpoint on another origin`,
                  ),
                );
                return;
              }
              announced = true;
              clearTimeout(timer);
              resolve(endpointFor(url, this.ctx));
              return;
            }
            if (event !== 'message' || data === '') return;
            this.receive(data);
          });
          this.readStream(res, parser, generation);
        },
      );
      this.stream = req;
      const timer = setTimeout(
        () =>
          failOpen(
            new UpstreamError(
              'connect',
              `${label(this.name)} did not open its event stream within ${this.ctx.connectTimeoutMs} ms`,
            ),
          ),
        this.ctx.connectTimeoutMs,
      );
      req.on('error', (error) => {
        if (!announced) failOpen(networkError(this.name, error));
      });
      req.on('close', () => {
        if (!announced)
          failOpen(
            new UpstreamError(
              'connect',
              `${label(this.name)} closed its event stream before announcing an endpoint`,
            ),
          );
        else if (generation === this.generation)
          this.lose(new UpstreamError('closed', `${label(this.name)} dropped its event stream`));
      });
      req.end();
    });
  }

  private readStream(res: IncomingMessage, parser: SseParser, generation: number): void {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      try {
        parser.push(chunk);
      } catch {
        if (generation === this.generation)
          this.lose(new UpstreamError('protocol', `${label(this.name)} sent an oversized message`));
      }
    });
  }

  /** The stream is gone: everything waiting on it fails, except the call being retried. */
  private lose(error: UpstreamError, keep?: PendingCall): void {
    this.dropStream();
    for (const call of this.calls.values()) if (call !== keep) this.fail(call, error);
  }

  private dropStream(): void {
    this.generation++;
    this.connected = false;
    this.stream?.destroy();
    this.stream = undefined;
  }

  private post(call: PendingCall): void {
    const endpoint = this.postEndpoint;
    if (call.done || endpoint === undefined) return;
    const headers = callHeaders(this.postHeaders, call.options);
    const req = endpoint.request({ ...endpoint.base, method: 'POST', headers }, (res) =>
      this.onPostResponse(call, res),
    );
    call.req = req;
    req.on('error', (error) => {
      if (call.done || call.req !== req) return;
      const code = (error as NodeJS.ErrnoException).code;
      if (req.reusedSocket && !call.resent && (code === 'ECONNRESET' || code === 'EPIPE')) {
        call.resent = true;
        this.post(call);
        return;
      }
      this.fail(call, networkError(this.name, error));
    });
    req.end(call.body);
  }

  private onPostResponse(call: PendingCall, res: IncomingMessage): void {
    res.on('error', ignore);
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) {
      res.resume();
      return;
    }
    if (call.done) {
      res.resume();
      return;
    }
    const lost = (): void => {
      if (call.resent || call.method === 'initialize') {
        this.fail(call, httpError(this.name, status, call.method));
        return;
      }
      // The upstream forgot the session, so it never ran this call: reconnect and send it again.
      call.resent = true;
      this.lose(new UpstreamError('closed', `${label(this.name)} lost the session`), call);
      this.transmitRequest(call);
    };
    if (status === 404) {
      res.resume();
      lost();
      return;
    }
    if (status === 400) {
      collectBody(res, 64 * 1024, (_error, body) => {
        if (/session/i.test(body)) lost();
        else this.fail(call, httpError(this.name, status, call.method));
      });
      return;
    }
    res.resume();
    this.fail(call, httpError(this.name, status, call.method));
  }
}
