import {
  MAX_BODY_CHARS,
  type SessionContext,
  callHeaders,
  checkUrl,
  endpointFor,
  hangUp,
  httpError,
  isStaleConnection,
  lowerCaseHeaders,
  networkError,
  withTrace,
} from './http-common.ts';
import { type Endpoint, Exchange, type ResponseHeaders, headerValue } from './http-exchange.ts';
import { type PendingCall, RpcChannel, label } from './rpc-channel.ts';
import { NotificationStream } from './notification-stream.ts';
import { SseParser } from './sse-parser.ts';
import { type UpstreamTarget, UpstreamError } from './types.ts';

/** Resumes (GET with Last-Event-ID) in a row that bring no new event before the call fails. */
const MAX_IDLE_RESUMES = 5;
/** How long a response stream may stay open once the call is answered. */
const LINGER_MS = 5_000;
/** Bodies read only to classify an error status. */
const ERROR_BODY_CHARS = 64 * 1024;

/**
 * One pooled MCP session over Streamable HTTP (spec 2025-11-25, also serves 2025-03-26 and
 * 2025-06-18 servers): a POST per message on the pool's undici Agent; answers come back as JSON or as
 * an SSE stream carrying notifications and server→client requests before the response.
 */
export class HttpSession extends RpcChannel {
  private readonly endpoint: Endpoint;
  private readonly targetHeaders: Record<string, string>;
  /** Headers of every POST: target headers plus session and protocol headers. */
  private headers: Record<string, string>;
  private sessionId: string | undefined;
  private protocolVersion: string | undefined;
  /** Set while (re-)initializing: requests wait for it instead of going out with a stale session. */
  private ready: Promise<void> | undefined;
  private generation = 0;
  /** The GET stream, while the pool watches this upstream. */
  private notifications: NotificationStream | undefined;

  constructor(
    target: UpstreamTarget,
    private readonly ctx: SessionContext,
  ) {
    super(target.label);
    this.endpoint = endpointFor(new URL(target.url ?? ''), ctx);
    this.targetHeaders = lowerCaseHeaders(target.headers);
    this.headers = this.buildHeaders();
  }

  override async start(): Promise<void> {
    const ready = this.initialize();
    this.ready = ready;
    try {
      await ready;
    } finally {
      if (this.ready === ready) this.ready = undefined;
    }
  }

  override setListening(on: boolean): void {
    if (!on || this.closed) {
      this.notifications?.stop();
      this.notifications = undefined;
      return;
    }
    this.notifications ??= new NotificationStream({
      endpoint: this.endpoint,
      headers: () => this.headers,
      receive: (text) => this.receiveUnrelated(text),
      // Only a session the upstream issued can be lost; without one, 404 means "no such stream".
      lostSession: () => {
        if (this.sessionId === undefined) return false;
        this.reinitialize(this.generation);
        return true;
      },
    });
    this.notifications.start();
  }

  override async close(error: UpstreamError): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.setListening(false);
    this.failAll(error);
    if (this.sessionId !== undefined) await this.deleteSession();
  }

  protected override initialized(protocolVersion: string): void {
    this.protocolVersion = protocolVersion;
    this.headers = this.buildHeaders();
  }

  protected override transmitRequest(call: PendingCall): void {
    if (this.ready !== undefined && call.method !== 'initialize') {
      this.ready.then(
        () => this.post(call),
        (error: unknown) => this.fail(call, error as UpstreamError),
      );
      return;
    }
    this.post(call);
  }

  protected override transmitBody(body: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const exchange = new Exchange(
        (status) => {
          clearTimeout(timer);
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
      exchange.send(this.endpoint, 'POST', this.headers, body);
    });
  }

  private async initialize(): Promise<void> {
    await checkUrl(this.ctx, this.endpoint.url, this.name);
    this.sessionId = undefined;
    this.protocolVersion = undefined;
    this.headers = this.buildHeaders();
    await this.handshake(this.ctx.clientInfo, this.ctx.protocolVersion, this.ctx.connectTimeoutMs);
  }

  /** The upstream forgot our session: start a new one, once per generation however many calls noticed. */
  private reinitialize(generation: number): void {
    if (generation !== this.generation || this.ready !== undefined) return;
    this.generation++;
    const ready = this.initialize().then(
      () => {
        if (this.ready === ready) this.ready = undefined;
        // The new session's notifications come on a new GET stream, its subscriptions made again.
        this.notifications?.restart();
        this.onSessionRestarted?.();
      },
      (error: unknown) => {
        if (this.ready === ready) this.ready = undefined;
        // Unusable now: the pool replaces a closed session on the next request.
        this.closed = true;
        this.setListening(false);
        this.failAll(error as UpstreamError);
        throw error;
      },
    );
    ready.catch(() => undefined);
    this.ready = ready;
  }

  private buildHeaders(): Record<string, string> {
    const headers: Record<string, string> = {
      ...this.targetHeaders,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
    if (this.protocolVersion !== undefined) headers['mcp-protocol-version'] = this.protocolVersion;
    return headers;
  }

  private post(call: PendingCall): void {
    if (call.done) return;
    const headers = callHeaders(this.headers, call.options);
    const generation = this.generation;
    const withSession = this.sessionId !== undefined;
    const exchange = new Exchange(
      (status, resHeaders) => this.onResponse(call, exchange, status, resHeaders, generation, withSession),
      (error) => this.onRequestError(call, exchange, error),
    );
    call.req = exchange;
    exchange.send(this.endpoint, 'POST', headers, call.body);
  }

  private onRequestError(call: PendingCall, exchange: Exchange, error: Error): void {
    if (call.done || call.req !== exchange) return;
    if (!call.resent && isStaleConnection(error)) {
      call.resent = true;
      this.post(call);
      return;
    }
    this.fail(call, networkError(this.name, error));
  }

  private onResponse(
    call: PendingCall,
    exchange: Exchange,
    status: number,
    headers: ResponseHeaders,
    generation: number,
    withSession: boolean,
  ): void {
    if (call.done) return;
    if (status >= 200 && status < 300) {
      if (call.method === 'initialize') {
        const sessionId = headerValue(headers, 'mcp-session-id');
        if (sessionId !== undefined && sessionId !== '') this.sessionId = sessionId;
      }
      this.readAnswer(call, exchange, status, headers);
      return;
    }
    if (withSession && status === 404) {
      this.lostSession(call, generation, status);
      return;
    }
    if (withSession && status === 400) {
      exchange.collect(ERROR_BODY_CHARS, (_error, body) => {
        if (/session/i.test(body)) this.lostSession(call, generation, status);
        else this.fail(call, httpError(this.name, status, call.method));
      });
      return;
    }
    this.fail(call, httpError(this.name, status, call.method));
  }

  private lostSession(call: PendingCall, generation: number, status: number): void {
    if (call.done) return;
    if (call.resent) {
      this.fail(call, httpError(this.name, status, call.method));
      return;
    }
    call.resent = true;
    this.reinitialize(generation);
    this.transmitRequest(call);
  }

  private readAnswer(call: PendingCall, exchange: Exchange, status: number, headers: ResponseHeaders): void {
    const type = headerValue(headers, 'content-type') ?? '';
    if (type.includes('text/event-stream')) {
      const parser = new SseParser((event) => this.onEvent(call, exchange, event.event, event.data));
      this.readStream(call, exchange, parser);
      return;
    }
    if (type.includes('application/json')) {
      exchange.collect(MAX_BODY_CHARS, (error, body) => {
        if (call.done) return;
        if (error !== undefined) {
          this.fail(
            call,
            new UpstreamError('protocol', `${label(this.name)} sent an unreadable answer to ${call.method}`),
          );
          return;
        }
        if (this.receive(body, call) === 'malformed') {
          this.fail(
            call,
            new UpstreamError('protocol', `${label(this.name)} answered ${call.method} with malformed JSON`),
          );
          return;
        }
        if (!call.done)
          this.fail(
            call,
            new UpstreamError(
              'protocol',
              `${label(this.name)} answered ${call.method} without a matching response`,
            ),
          );
      });
      return;
    }
    const what =
      status === 202 ? 'accepted it without answering' : 'answered with an unexpected content type';
    this.fail(call, new UpstreamError('protocol', `${label(this.name)} ${what} (${call.method})`));
  }

  private onEvent(call: PendingCall, exchange: Exchange, event: string, data: string): void {
    // Priming events (empty data) only carry an id for resumption.
    if (event !== 'message' || data === '') return;
    if (this.receive(data, call) === 'malformed') {
      this.fail(
        call,
        new UpstreamError(
          'protocol',
          `${label(this.name)} sent a malformed message while answering ${call.method}`,
        ),
      );
      exchange.destroy();
    }
  }

  private readStream(call: PendingCall, exchange: Exchange, parser: SseParser, resumes = 0): void {
    const seen = parser.lastEventId;
    let linger: NodeJS.Timeout | undefined;
    const onText = (text: string): void => {
      try {
        parser.push(text);
        // Servers should end the stream after the response; one that does not must not pin a
        // socket (and a file descriptor) per call.
        if (call.done && linger === undefined)
          linger = setTimeout(() => exchange.destroy(), LINGER_MS).unref();
      } catch {
        this.fail(
          call,
          new UpstreamError(
            'protocol',
            `${label(this.name)} sent an oversized message while answering ${call.method}`,
          ),
        );
        exchange.destroy();
      }
    };
    exchange.read(onText, (error) => {
      if (linger !== undefined) clearTimeout(linger);
      if (call.done) return;
      if (error !== undefined) {
        this.fail(
          call,
          new UpstreamError(
            'closed',
            `${label(this.name)} dropped the connection while answering ${call.method}`,
          ),
        );
        return;
      }
      // The server may end the stream before answering and expect a resume (SSE polling).
      const lastEventId = parser.lastEventId;
      const idle = lastEventId === seen ? resumes + 1 : 0;
      if (lastEventId === undefined || idle > MAX_IDLE_RESUMES) {
        this.fail(
          call,
          new UpstreamError(
            'protocol',
            `${label(this.name)} ended the stream without answering ${call.method}`,
          ),
        );
        return;
      }
      setTimeout(() => this.resume(call, parser, lastEventId, idle), parser.retryMs ?? 0).unref();
    });
  }

  private resume(call: PendingCall, parser: SseParser, lastEventId: string, resumes: number): void {
    if (call.done || this.closed) return;
    const headers: Record<string, string> = {
      ...this.headers,
      accept: 'text/event-stream',
      'last-event-id': lastEventId,
    };
    const trace = call.options?.trace;
    if (trace !== undefined) withTrace(headers, trace);
    delete headers['content-type'];
    const exchange = new Exchange(
      (status, resHeaders) => {
        if (call.done) return;
        if (
          status !== 200 ||
          !(headerValue(resHeaders, 'content-type') ?? '').includes('text/event-stream')
        ) {
          this.fail(call, httpError(this.name, status, `resume ${call.method}`));
          return;
        }
        this.readStream(call, exchange, parser, resumes);
      },
      (error) => {
        if (!call.done && call.req === exchange) this.fail(call, networkError(this.name, error));
      },
    );
    call.req = exchange;
    exchange.send(this.endpoint, 'GET', headers);
  }

  private deleteSession(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const exchange = new Exchange((_status, _headers, answered) => answered.drain(done), done);
      // Politeness only: never hold up a shutdown for it.
      const timer = setTimeout(() => {
        exchange.destroy();
        resolve();
      }, 1_000).unref();
      exchange.send(this.endpoint, 'DELETE', this.headers);
    });
  }
}
