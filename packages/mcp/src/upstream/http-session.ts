import type { ClientRequest, IncomingMessage } from 'node:http';
import {
  type Endpoint,
  MAX_BODY_CHARS,
  type SessionContext,
  callHeaders,
  checkUrl,
  collectBody,
  endpointFor,
  httpError,
  lowerCaseHeaders,
  networkError,
  withTrace,
} from './http-common.ts';
import { type PendingCall, RpcChannel, label } from './rpc-channel.ts';
import { SseParser } from './sse-parser.ts';
import { type UpstreamTarget, UpstreamError } from './types.ts';

const ignore = (): void => undefined;

/** Resumes (GET with Last-Event-ID) in a row that bring no new event before the call fails. */
const MAX_IDLE_RESUMES = 5;
/** How long a response stream may stay open once the call is answered. */
const LINGER_MS = 5_000;
/** Bodies read only to classify an error status. */
const ERROR_BODY_CHARS = 64 * 1024;

/**
 * One pooled MCP session over Streamable HTTP (spec 2025-11-25, also serves 2025-03-26 and
 * 2025-06-18 servers): a POST per message on a keep-alive agent; answers come back as JSON or as
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

  override async close(error: UpstreamError): Promise<void> {
    if (this.closed) return;
    this.closed = true;
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
      const req = this.endpoint.request(
        { ...this.endpoint.base, method: 'POST', headers: this.headers },
        (res) => {
          clearTimeout(timer);
          res.resume();
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(httpError(this.name, status, 'a notification'));
        },
      );
      const timer = setTimeout(() => req.destroy(), this.ctx.connectTimeoutMs).unref();
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(networkError(this.name, error));
      });
      req.end(body);
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
      },
      (error: unknown) => {
        if (this.ready === ready) this.ready = undefined;
        // Unusable now: the pool replaces a closed session on the next request.
        this.closed = true;
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
    const req = this.endpoint.request({ ...this.endpoint.base, method: 'POST', headers }, (res) =>
      this.onResponse(call, res, generation, withSession),
    );
    call.req = req;
    req.on('error', (error) => this.onRequestError(call, req, error));
    req.end(call.body);
  }

  private onRequestError(call: PendingCall, req: ClientRequest, error: Error): void {
    if (call.done || call.req !== req) return;
    // A keep-alive socket the server closed while idle fails before the request reached it;
    // Node's documentation recommends exactly this single retry.
    const code = (error as NodeJS.ErrnoException).code;
    if (req.reusedSocket && !call.resent && (code === 'ECONNRESET' || code === 'EPIPE')) {
      call.resent = true;
      this.post(call);
      return;
    }
    this.fail(call, networkError(this.name, error));
  }

  private onResponse(
    call: PendingCall,
    res: IncomingMessage,
    generation: number,
    withSession: boolean,
  ): void {
    res.on('error', ignore);
    if (call.done) {
      res.resume();
      return;
    }
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) {
      if (call.method === 'initialize') {
        const sessionId = res.headers['mcp-session-id'];
        if (typeof sessionId === 'string' && sessionId !== '') this.sessionId = sessionId;
      }
      this.readAnswer(call, res, status);
      return;
    }
    if (withSession && status === 404) {
      res.resume();
      this.lostSession(call, generation, status);
      return;
    }
    if (withSession && status === 400) {
      collectBody(res, ERROR_BODY_CHARS, (_error, body) => {
        if (/session/i.test(body)) this.lostSession(call, generation, status);
        else this.fail(call, httpError(this.name, status, call.method));
      });
      return;
    }
    res.resume();
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

  private readAnswer(call: PendingCall, res: IncomingMessage, status: number): void {
    const type = res.headers['content-type'] ?? '';
    if (type.includes('text/event-stream')) {
      this.readStream(call, res, new SseParser((event) => this.onEvent(call, res, event.event, event.data)));
      return;
    }
    if (type.includes('application/json')) {
      collectBody(res, MAX_BODY_CHARS, (error, body) => {
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
    res.resume();
    const what =
      status === 202 ? 'accepted it without answering' : 'answered with an unexpected content type';
    this.fail(call, new UpstreamError('protocol', `${label(this.name)} ${what} (${call.method})`));
  }

  private onEvent(call: PendingCall, res: IncomingMessage, event: string, data: string): void {
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
      res.destroy();
    }
  }

  private readStream(call: PendingCall, res: IncomingMessage, parser: SseParser, resumes = 0): void {
    const seen = parser.lastEventId;
    let linger: NodeJS.Timeout | undefined;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      try {
        parser.push(chunk);
        // Servers should end the stream after the response; one that does not must not pin a
        // socket (and a file descriptor) per call.
        if (call.done && linger === undefined) linger = setTimeout(() => res.destroy(), LINGER_MS).unref();
      } catch {
        this.fail(
          call,
          new UpstreamError(
            'protocol',
            `${label(this.name)} sent an oversized message while answering ${call.method}`,
          ),
        );
        res.destroy();
      }
    });
    res.on('close', () => {
      if (linger !== undefined) clearTimeout(linger);
      if (call.done) return;
      if (!res.complete) {
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
    const req = this.endpoint.request({ ...this.endpoint.base, method: 'GET', headers }, (res) => {
      res.on('error', ignore);
      if (call.done) {
        res.resume();
        return;
      }
      const status = res.statusCode ?? 0;
      if (status !== 200 || !(res.headers['content-type'] ?? '').includes('text/event-stream')) {
        res.resume();
        this.fail(call, httpError(this.name, status, `resume ${call.method}`));
        return;
      }
      this.readStream(call, res, parser, resumes);
    });
    call.req = req;
    req.on('error', (error) => {
      if (!call.done && call.req === req) this.fail(call, networkError(this.name, error));
    });
    req.end();
  }

  private deleteSession(): Promise<void> {
    return new Promise((resolve) => {
      const req = this.endpoint.request(
        { ...this.endpoint.base, method: 'DELETE', headers: this.headers },
        (res) => {
          res.resume();
          res.on('end', resolve);
          res.on('error', () => resolve());
        },
      );
      // Politeness only: never hold up a shutdown for it.
      const timer = setTimeout(() => req.destroy(), 1_000).unref();
      req.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      req.on('error', () => resolve());
      req.end();
    });
  }
}
