import {
  type SessionContext,
  callHeaders,
  checkUrl,
  endpointFor,
  hangUp,
  httpError,
  isStaleConnection,
  lowerCaseHeaders,
  networkError,
} from './http-common.ts';
import { type Endpoint, Exchange, headerValue } from './http-exchange.ts';
import { type PendingCall, RpcChannel, label } from './rpc-channel.ts';
import { type SseEvent, SseParser } from './sse-parser.ts';
import { type UpstreamTarget, UpstreamError } from './types.ts';

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
  private stream: Exchange | undefined;
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
      const exchange = new Exchange(
        (status, _headers, answered) => {
          answered.drain(() => clearTimeout(timer));
          if (status >= 200 && status < 300) resolve();
          else reject(httpError(this.name, status, 'a notification'));
        },
        (error) => {
          clearTimeout(timer);
          reject(networkError(this.name, error));
        },
      );
      const timer = setTimeout(() => {
        exchange.destroy();
        reject(networkError(this.name, hangUp()));
      }, this.ctx.connectTimeoutMs).unref();
      exchange.send(endpoint, 'POST', this.postHeaders, body);
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
        exchange.destroy();
        reject(error);
      };
      const onEvent = ({ event, data }: SseEvent): void => {
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
      };
      const onEnd = (): void => {
        if (!announced)
          failOpen(
            new UpstreamError(
              'connect',
              `${label(this.name)} closed its event stream before announcing an endpoint`,
            ),
          );
        else if (generation === this.generation)
          this.lose(new UpstreamError('closed', `${label(this.name)} dropped its event stream`));
      };
      const exchange = new Exchange(
        (status, headers) => {
          if (status !== 200) {
            failOpen(httpError(this.name, status, 'the event stream request'));
            return;
          }
          if (!(headerValue(headers, 'content-type') ?? '').includes('text/event-stream')) {
            failOpen(new UpstreamError('connect', `${label(this.name)} did not answer with an event stream`));
            return;
          }
          const parser = new SseParser(onEvent);
          exchange.read((text) => {
            try {
              parser.push(text);
            } catch {
              if (generation === this.generation)
                this.lose(new UpstreamError('protocol', `${label(this.name)} sent an oversized message`));
            }
          }, onEnd);
        },
        (error) => failOpen(networkError(this.name, error)),
      );
      this.stream = exchange;
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
      const headers = { ...this.targetHeaders, accept: 'text/event-stream', 'cache-control': 'no-cache' };
      exchange.send(this.streamEndpoint, 'GET', headers);
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
    const exchange = new Exchange(
      (status) => this.onPostResponse(call, exchange, status),
      (error) => {
        if (call.done || call.req !== exchange) return;
        if (!call.resent && isStaleConnection(error)) {
          call.resent = true;
          this.post(call);
          return;
        }
        this.fail(call, networkError(this.name, error));
      },
    );
    call.req = exchange;
    exchange.send(endpoint, 'POST', headers, call.body);
  }

  private onPostResponse(call: PendingCall, exchange: Exchange, status: number): void {
    if (status >= 200 && status < 300) return;
    if (call.done) return;
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
      lost();
      return;
    }
    if (status === 400) {
      exchange.collect(64 * 1024, (_error, body) => {
        if (/session/i.test(body)) lost();
        else this.fail(call, httpError(this.name, status, call.method));
      });
      return;
    }
    this.fail(call, httpError(this.name, status, call.method));
  }
}
