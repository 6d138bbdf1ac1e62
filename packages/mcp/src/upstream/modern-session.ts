import { parseBoundedJson } from '../json-limits.ts';
import {
  MAX_BODY_CHARS,
  type SessionContext,
  callHeaders,
  checkUrl,
  endpointFor,
  httpError,
  isStaleConnection,
  lowerCaseHeaders,
  networkError,
} from './http-common.ts';
import { type Endpoint, Exchange, type ResponseHeaders, headerValue } from './http-exchange.ts';
import { gatherInput } from './modern-input.ts';
import { ModernListener } from './modern-listen.ts';
import {
  MODERN_VERSION,
  SUBSCRIPTION_ID_KEY,
  fromDiscover,
  isObject,
  mcpName,
  plainResult,
  probeFailure,
  withEnvelope,
} from './modern-wire.ts';
import { type PendingCall, RpcChannel, label } from './rpc-channel.ts';
import { SseParser } from './sse-parser.ts';
import { type RequestOptions, type UpstreamTarget, UpstreamError } from './types.ts';

export { NotModernError } from './modern-wire.ts';

type Json = Record<string, unknown>;

/** Input rounds (MRTR) one request may take before the gateway gives up on it. */
const MAX_INPUT_ROUNDS = 16;
/** How long a response stream may stay open once the call is answered. */
const LINGER_MS = 5_000;
/** Bodies read only to find the JSON-RPC error behind a 4xx. */
const ERROR_BODY_CHARS = 64 * 1024;
const ACKNOWLEDGED = 'notifications/subscriptions/acknowledged';

/**
 * An upstream that speaks MCP 2026-07-28 over Streamable HTTP: no handshake and no session, every
 * request a POST carrying the protocol version, our client info and the capabilities this call can
 * honour in its `_meta` (and the `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` headers), answered
 * as JSON or as an SSE stream scoped to the request. `start()` probes with server/discover and throws
 * NotModernError when the upstream answers as a 2025-era server would, so the pool falls back to
 * HttpSession. Servers ask for input with `input_required` results (MRTR), which this class turns
 * into the pool's `onRequest` calls before retrying, so the proxy relays them as it does 2025's
 * server→client requests.
 */
export class ModernHttpSession extends RpcChannel {
  private readonly endpoint: Endpoint;
  private readonly baseHeaders: Record<string, string>;
  private readonly listener: ModernListener;

  constructor(
    target: UpstreamTarget,
    private readonly ctx: SessionContext,
  ) {
    super(target.label);
    this.endpoint = endpointFor(new URL(target.url ?? ''), ctx);
    this.baseHeaders = {
      ...lowerCaseHeaders(target.headers),
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN_VERSION,
    };
    this.listener = new ModernListener({
      name: this.name,
      capabilities: () =>
        isObject(this.initializeResult.capabilities) ? this.initializeResult.capabilities : {},
      listen: (filter, onAck, signal) => this.listen(filter, onAck, signal),
      reopened: () => this.onSessionRestarted?.(),
    });
  }

  override async start(): Promise<void> {
    await checkUrl(this.ctx, this.endpoint.url, this.name);
    let result: Json;
    try {
      result = await super.request(
        'server/discover',
        withEnvelope(undefined, { relay: true, logs: false, trace: undefined }, this.ctx.clientInfo),
        undefined,
        this.ctx.connectTimeoutMs,
      );
    } catch (error) {
      throw probeFailure(this.name, error, this.closed);
    }
    this.initializeResult = fromDiscover(this.name, result);
  }

  override async close(error: UpstreamError): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listener.stop(error);
    this.failAll(error);
  }

  /**
   * One request, and its retries while the upstream asks for input: each round is a new JSON-RPC
   * request (the revision requires a new id) with the answers of that round and the upstream's
   * opaque `requestState`, all within the caller's one deadline.
   */
  override async request(
    method: string,
    params: Json | undefined,
    options: RequestOptions | undefined,
    timeoutMs: number,
    budgetMs = timeoutMs,
  ): Promise<Json> {
    const bounded = timeoutMs > 0 && Number.isFinite(timeoutMs);
    const deadline = bounded ? performance.now() + timeoutMs : Number.POSITIVE_INFINITY;
    const logging = isObject(this.initializeResult.capabilities)
      ? this.initializeResult.capabilities.logging !== undefined
      : false;
    const first = withEnvelope(
      params,
      {
        relay: options?.onRequest !== undefined,
        logs: logging && options?.onNotification !== undefined,
        trace: options?.trace,
      },
      this.ctx.clientInfo,
    );
    let sent = first;
    for (let round = 1; ; round++) {
      const left = bounded ? deadline - performance.now() : timeoutMs;
      if (bounded && left <= 0) throw this.timedOut(method, budgetMs);
      const result = await super.request(method, sent, options, left, budgetMs);
      if (result.resultType !== 'input_required') return plainResult(result);
      if (round >= MAX_INPUT_ROUNDS) {
        throw new UpstreamError(
          'protocol',
          `${label(this.name)} still asked for input after ${MAX_INPUT_ROUNDS} rounds of ${method}`,
        );
      }
      const responses = await gatherInput({
        name: this.name,
        method,
        result,
        options,
        deadline,
        timedOut: () => this.timedOut(method, budgetMs),
      });
      const state = result.requestState;
      sent = {
        ...first,
        ...(responses === undefined ? {} : { inputResponses: responses }),
        ...(typeof state === 'string' ? { requestState: state } : {}),
      };
    }
  }

  /** 2026-07-28 has no client→server notifications over HTTP: nothing the gateway sends has a meaning. */
  override notify(): Promise<void> {
    return Promise.resolve();
  }

  override setListening(on: boolean): void {
    if (!this.closed) this.listener.setListening(on);
  }

  override subscribeResource(uri: string, timeoutMs: number): Promise<void> {
    return this.listener.subscribe(uri, timeoutMs);
  }

  override unsubscribeResource(uri: string): Promise<void> {
    this.listener.unsubscribe(uri);
    return Promise.resolve();
  }

  /**
   * Server→client requests are not part of this revision (they come as `input_required`), and
   * nothing could carry our answer back: dropped. Notifications lose the listen stream's id, which
   * concerns this hop only.
   */
  override dispatch(message: unknown, via?: PendingCall): void {
    if (isObject(message) && typeof message.method === 'string') {
      if (message.id !== undefined) return;
      const params = message.params;
      if (isObject(params) && isObject(params._meta) && SUBSCRIPTION_ID_KEY in params._meta) {
        const { [SUBSCRIPTION_ID_KEY]: _id, ...meta } = params._meta;
        const { _meta: _old, ...rest } = params;
        message = { ...message, params: Object.keys(meta).length === 0 ? rest : { ...rest, _meta: meta } };
      }
    }
    super.dispatch(message, via);
  }

  protected override transmitRequest(call: PendingCall): void {
    this.post(call);
  }

  /**
   * What the base class sends besides requests: notifications/cancelled (here closing the request's
   * stream is the cancellation, which `abandon` does) and answers to server→client requests (which
   * this revision has none of). Neither has a place on the wire.
   */
  protected override transmitBody(): Promise<void> {
    return Promise.resolve();
  }

  private listen(filter: Json, onAck: (honored: Json) => void, signal: AbortSignal): Promise<Json> {
    const params = withEnvelope(
      { notifications: filter },
      { relay: false, logs: false, trace: undefined },
      this.ctx.clientInfo,
    );
    const onNotification = (notification: { method: string; params?: Json }): void => {
      if (notification.method === ACKNOWLEDGED && isObject(notification.params)) onAck(notification.params);
    };
    // Open as long as the upstream keeps it: no timeout.
    return super.request('subscriptions/listen', params, { signal, onNotification }, 0);
  }

  private timedOut(method: string, budgetMs: number): UpstreamError {
    return new UpstreamError('timeout', `${label(this.name)} did not answer ${method} within ${budgetMs} ms`);
  }

  private post(call: PendingCall): void {
    if (call.done) return;
    const exchange = new Exchange(
      (status, headers) => this.onResponse(call, exchange, status, headers),
      (error) => this.onRequestError(call, exchange, error),
    );
    call.req = exchange;
    exchange.send(this.endpoint, 'POST', this.headersFor(call), call.body);
  }

  private headersFor(call: PendingCall): Record<string, string> {
    const headers: Record<string, string> = { ...this.baseHeaders, 'mcp-method': call.method };
    const name = mcpName(call.method, call.message.params);
    if (name !== undefined) headers['mcp-name'] = name;
    const options = call.options;
    if (options?.headers === undefined && options?.trace === undefined) return headers;
    // Mcp-* headers mirror the body: the pool writes them, a passthrough header never does.
    const passthrough =
      options.headers === undefined
        ? undefined
        : Object.fromEntries(Object.entries(options.headers).filter(([key]) => !/^mcp-/i.test(key)));
    return callHeaders(headers, {
      ...(passthrough === undefined ? {} : { headers: passthrough }),
      ...(options.trace === undefined ? {} : { trace: options.trace }),
    });
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

  private onResponse(call: PendingCall, exchange: Exchange, status: number, headers: ResponseHeaders): void {
    if (call.done) return;
    if (status >= 200 && status < 300) {
      this.readAnswer(call, exchange, status, headers);
      return;
    }
    // A 2026-07-28 server answers what it refuses (unknown method, unsupported version, bad
    // headers) with a 4xx carrying the JSON-RPC error: that error is the answer.
    if (status < 400 || status >= 500 || status === 401 || status === 403 || status === 429) {
      this.fail(call, httpError(this.name, status, call.method));
      return;
    }
    exchange.collect(ERROR_BODY_CHARS, (error, body) => {
      if (call.done) return;
      const rpc = error === undefined ? rpcErrorIn(body) : undefined;
      this.fail(
        call,
        rpc === undefined
          ? httpError(this.name, status, call.method)
          : new UpstreamError(
              'rpc',
              `${label(this.name)} answered ${call.method} with an error: ${rpc.message}`,
              rpc,
              status,
            ),
      );
    });
  }

  private readAnswer(call: PendingCall, exchange: Exchange, status: number, headers: ResponseHeaders): void {
    const type = headerValue(headers, 'content-type') ?? '';
    if (type.includes('text/event-stream')) {
      this.readStream(call, exchange);
      return;
    }
    if (type.includes('application/json')) {
      exchange.collect(MAX_BODY_CHARS, (error, body) => {
        if (call.done) return;
        if (error !== undefined) {
          this.fail(call, this.protocolError(`sent an unreadable answer to ${call.method}`));
          return;
        }
        if (this.receive(body, call) === 'malformed') {
          this.fail(call, this.protocolError(`answered ${call.method} with malformed JSON`));
          return;
        }
        if (!call.done)
          this.fail(call, this.protocolError(`answered ${call.method} without a matching response`));
      });
      return;
    }
    const what =
      status === 202 ? 'accepted it without answering' : 'answered with an unexpected content type';
    this.fail(call, this.protocolError(`${what} (${call.method})`));
  }

  /** No resumption in this revision: a stream that ends before the answer loses the request. */
  private readStream(call: PendingCall, exchange: Exchange): void {
    const parser = new SseParser((event) => {
      if (event.event !== 'message' || event.data === '') return;
      if (this.receive(event.data, call) === 'malformed') {
        this.fail(call, this.protocolError(`sent a malformed message while answering ${call.method}`));
        exchange.destroy();
      }
    });
    let linger: NodeJS.Timeout | undefined;
    exchange.read(
      (text) => {
        try {
          parser.push(text);
          // Servers should end the stream after the response; one that does not must not pin a socket.
          if (call.done && linger === undefined)
            linger = setTimeout(() => exchange.destroy(), LINGER_MS).unref();
        } catch {
          this.fail(call, this.protocolError(`sent an oversized message while answering ${call.method}`));
          exchange.destroy();
        }
      },
      (error) => {
        if (linger !== undefined) clearTimeout(linger);
        if (call.done) return;
        this.fail(
          call,
          error === undefined
            ? this.protocolError(`ended the stream without answering ${call.method}`)
            : new UpstreamError(
                'closed',
                `${label(this.name)} dropped the connection while answering ${call.method}`,
              ),
        );
      },
    );
  }

  private protocolError(what: string): UpstreamError {
    return new UpstreamError('protocol', `${label(this.name)} ${what}`);
  }
}

function rpcErrorIn(body: string): { code: number; message: string; data?: unknown } | undefined {
  const parsed = parseBoundedJson(body);
  const error = parsed.ok && isObject(parsed.value) ? parsed.value.error : undefined;
  if (!isObject(error) || typeof error.code !== 'number' || typeof error.message !== 'string')
    return undefined;
  return {
    code: error.code,
    message: error.message,
    ...(error.data === undefined ? {} : { data: error.data }),
  };
}
