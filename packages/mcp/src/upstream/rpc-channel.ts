import { parseBoundedJson, tooDeepMessage } from '../json-limits.ts';
import {
  cancelledError,
  claimProgressToken,
  CLIENT_CAPABILITIES,
  deliver,
  isObject,
  isToken,
  label,
  type PendingCall,
  type ProgressToken,
  rpcErrorOf,
  serialize,
  SESSION_NOTIFICATIONS,
  toRpcError,
  unsendable,
} from './rpc-call.ts';
import {
  type JsonRpcNotification,
  type JsonRpcRequest,
  type RequestOptions,
  UpstreamError,
} from './types.ts';

type Json = Record<string, unknown>;

// Importers of the call record and its helpers keep finding them here.
export { type PendingCall, cancelledError, label } from './rpc-call.ts';

function onCallTimeout(this: void, call: PendingCall, channel: RpcChannel, ms: number): void {
  channel.cancel(
    call,
    new UpstreamError('timeout', `${label(channel.name)} did not answer ${call.method} within ${ms} ms`),
    'Timed out in the gateway',
  );
}

/**
 * JSON-RPC bookkeeping shared by all transports: the pool's own request ids, correlation of
 * responses, routing of notifications and server→client requests to the right call, timeouts and
 * cancellation. Transports only move bytes: they implement `transmitRequest` / `transmit` and
 * feed everything they receive to `dispatch`.
 */
export abstract class RpcChannel {
  closed = false;
  /** The upstream's initialize result. */
  initializeResult: Json = {};
  private nextId = 0;
  /** In insertion order, so the first entry is the oldest in-flight call. */
  protected readonly calls = new Map<number, PendingCall>();
  private readonly byToken = new Map<ProgressToken, PendingCall>();

  /**
   * Set by the pool while someone watches this upstream: notifications about the session, not a
   * call (list changes, resource updates), wherever they arrive.
   */
  onSessionNotification: ((notification: JsonRpcNotification) => void) | undefined;
  /** Set by the pool while watched: the upstream session was replaced on this channel (HTTP re-initialize). */
  onSessionRestarted: (() => void) | undefined;

  constructor(readonly name: string) {}

  /**
   * Keeps (true) or stops keeping (false) a stream on which the upstream can notify outside any
   * call. stdio and legacy SSE always have one; Streamable HTTP opens its GET stream.
   */
  setListening(_on: boolean): void {}

  /** Starts hearing notifications/resources/updated for one URI (2025: resources/subscribe). */
  async subscribeResource(uri: string, timeoutMs: number): Promise<void> {
    await this.request('resources/subscribe', { uri }, undefined, timeoutMs);
  }

  async unsubscribeResource(uri: string, timeoutMs: number): Promise<void> {
    await this.request('resources/unsubscribe', { uri }, undefined, timeoutMs);
  }

  /** Connects and performs the MCP handshake. */
  abstract start(): Promise<void>;
  /** Fails in-flight calls with `error` and releases the connection or process. */
  abstract close(error: UpstreamError): Promise<void>;
  /** Sends a request; the transport feeds the answer to `dispatch` or fails the call. */
  protected abstract transmitRequest(call: PendingCall): void;
  /** Sends a serialised notification or response to a server→client request. */
  protected abstract transmitBody(body: string): Promise<void>;
  /** Stops waiting for a call the pool gave up on (timeout, abort): frees its HTTP request, if any. */
  protected abandon(call: PendingCall): void {
    call.req?.destroy();
  }

  /** Usable right now without reconnecting (counted in the pool's stats). */
  get live(): boolean {
    return !this.closed;
  }

  /** `timeoutMs` is what is left of the caller's `budgetMs` (time spent queueing or connecting is gone). */
  request(
    method: string,
    params: Json | undefined,
    options: RequestOptions | undefined,
    timeoutMs: number,
    budgetMs = timeoutMs,
  ): Promise<Json> {
    if (this.closed) return Promise.reject(new UpstreamError('closed', `${label(this.name)} is closed`));
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(cancelledError(this.name));
    const id = ++this.nextId;
    const { sent, token, callerToken } = claimProgressToken(params, id, this.byToken);
    const message: JsonRpcRequest =
      sent === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: sent };
    const body = serialize(message);
    if (body === undefined) return Promise.reject(unsendable(this.name, method));
    return new Promise<Json>((resolve, reject) => {
      const call: PendingCall = {
        id,
        method,
        options,
        message,
        body,
        resolve,
        reject,
        done: false,
        progressToken: token,
        callerToken,
        timer: undefined,
        onAbort: undefined,
        req: undefined,
        resent: false,
      };
      this.calls.set(id, call);
      if (token !== undefined) this.byToken.set(token, call);
      if (timeoutMs > 0 && Number.isFinite(timeoutMs))
        call.timer = setTimeout(onCallTimeout, timeoutMs, call, this, budgetMs);
      if (signal) {
        call.onAbort = () => this.cancel(call, cancelledError(this.name), 'Cancelled by the client');
        signal.addEventListener('abort', call.onAbort, { once: true });
      }
      this.transmitRequest(call);
    });
  }

  notify(method: string, params?: Json): Promise<void> {
    if (this.closed) return Promise.reject(new UpstreamError('closed', `${label(this.name)} is closed`));
    return this.transmit(
      params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params },
    );
  }

  /** Serialises and sends a notification or response; never throws, rejects when it cannot. */
  protected transmit(message: object): Promise<void> {
    const body = serialize(message);
    if (body === undefined) return Promise.reject(unsendable(this.name, 'a message'));
    try {
      return this.transmitBody(body);
    } catch (error) {
      return Promise.reject(error instanceof UpstreamError ? error : unsendable(this.name, 'a message'));
    }
  }

  /**
   * Parses one message received from the upstream and routes it. A message too deep to handle
   * safely fails the call it answers (when it names one) instead of reaching code that recurses.
   */
  protected receive(text: string, via?: PendingCall): 'ok' | 'malformed' {
    const parsed = parseBoundedJson(text);
    if (parsed.ok) {
      this.dispatch(parsed.value, via);
      return 'ok';
    }
    if (parsed.reason === 'malformed') return 'malformed';
    const id = isObject(parsed.value) ? parsed.value.id : undefined;
    const call = via ?? (typeof id === 'number' ? this.calls.get(id) : undefined);
    if (call !== undefined) {
      this.fail(
        call,
        new UpstreamError(
          'protocol',
          `${label(this.name)} answered ${call.method} with a message ${tooDeepMessage()}`,
        ),
      );
    }
    return 'ok';
  }

  /**
   * The MCP handshake: initialize, then notifications/initialized. Every failure is reported as
   * 'connect' unless the upstream said something specific (HTTP status, JSON-RPC error).
   */
  protected async handshake(
    clientInfo: { name: string; version: string },
    protocolVersion: string,
    timeoutMs: number,
  ): Promise<void> {
    let result: Json;
    try {
      result = await this.request(
        'initialize',
        { protocolVersion, capabilities: CLIENT_CAPABILITIES, clientInfo },
        undefined,
        timeoutMs,
      );
    } catch (error) {
      // A 'closed' of our own making (evict, shutdown) stays 'closed'; the upstream closing on us is a failed connect.
      const kind = error instanceof UpstreamError ? error.kind : undefined;
      if (
        error instanceof UpstreamError &&
        (kind === 'timeout' || kind === 'protocol' || (kind === 'closed' && !this.closed))
      ) {
        throw new UpstreamError('connect', error.message, error.rpcError, error.httpStatus, error.socketCode);
      }
      throw error;
    }
    if (typeof result.protocolVersion !== 'string') {
      throw new UpstreamError(
        'connect',
        `${label(this.name)} answered initialize without a protocol version`,
      );
    }
    this.initializeResult = result;
    this.initialized(result.protocolVersion);
    await this.transmit({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  /** Called between the initialize result and notifications/initialized. */
  protected initialized(_protocolVersion: string): void {}

  /** Rejects the call and tells the upstream to stop working on it (never for initialize). */
  cancel(call: PendingCall, error: UpstreamError, reason: string): void {
    if (call.done) return;
    this.settle(call);
    call.reject(error);
    if (call.method !== 'initialize' && !this.closed) {
      this.transmit({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: call.id, reason },
      }).catch(() => undefined);
    }
    this.abandon(call);
  }

  fail(call: PendingCall, error: UpstreamError): void {
    if (call.done) return;
    this.settle(call);
    call.reject(error);
  }

  failAll(error: UpstreamError): void {
    for (const call of this.calls.values()) this.fail(call, error);
  }

  /**
   * A message from a stream tied to no call (Streamable HTTP's GET stream): it concerns the
   * session, so it is never handed to whichever caller happens to be in flight. List changes and
   * resource updates go to the watchers, progress to the call that owns the token; a request is
   * answered here (ping) or refused, and a log message has no one to go to.
   */
  protected receiveUnrelated(text: string): void {
    const parsed = parseBoundedJson(text);
    if (!parsed.ok) return;
    for (const message of Array.isArray(parsed.value) ? parsed.value : [parsed.value]) {
      if (!isObject(message) || typeof message.method !== 'string') continue;
      if (message.id === undefined) {
        const notification = message as unknown as JsonRpcNotification;
        if (
          SESSION_NOTIFICATIONS.has(notification.method) ||
          notification.method === 'notifications/progress'
        )
          this.routeNotification(notification, undefined);
        continue;
      }
      const id = message.id as string | number;
      this.answer(
        message.method === 'ping'
          ? { jsonrpc: '2.0', id, result: {} }
          : {
              jsonrpc: '2.0',
              id,
              error: { code: -32601, message: `The gateway does not relay ${message.method} outside a call` },
            },
      );
    }
  }

  /** Routes one message received from the upstream; `via` is the call whose stream carried it. */
  dispatch(message: unknown, via?: PendingCall): void {
    if (Array.isArray(message)) {
      for (const item of message) this.dispatch(item, via);
      return;
    }
    if (!isObject(message)) return;
    const method = message.method;
    if (typeof method === 'string') {
      if (message.id === undefined) this.routeNotification(message as unknown as JsonRpcNotification, via);
      else this.routeServerRequest(message as unknown as JsonRpcRequest, via);
      return;
    }
    const call = typeof message.id === 'number' ? this.calls.get(message.id) : undefined;
    // Answers to calls the pool already gave up on are expected after a timeout; drop them.
    if (call === undefined) return;
    const error = message.error;
    if (error !== undefined) {
      const rpcError = rpcErrorOf(error);
      this.fail(
        call,
        new UpstreamError(
          'rpc',
          `${label(this.name)} answered ${call.method} with an error: ${rpcError.message}`,
          rpcError,
        ),
      );
      return;
    }
    if (!isObject(message.result)) {
      this.fail(
        call,
        new UpstreamError('protocol', `${label(this.name)} answered ${call.method} without a result object`),
      );
      return;
    }
    this.settle(call);
    call.resolve(message.result);
  }

  private settle(call: PendingCall): void {
    call.done = true;
    this.calls.delete(call.id);
    if (call.progressToken !== undefined) this.byToken.delete(call.progressToken);
    if (call.timer !== undefined) clearTimeout(call.timer);
    if (call.onAbort !== undefined) call.options?.signal?.removeEventListener('abort', call.onAbort);
  }

  private routeNotification(notification: JsonRpcNotification, via: PendingCall | undefined): void {
    const method = notification.method;
    if (SESSION_NOTIFICATIONS.has(method)) {
      try {
        this.onSessionNotification?.(notification);
      } catch {
        // A failing watcher must not break the upstream stream shared with callers.
      }
      return;
    }
    if (method === 'notifications/progress') {
      const token = notification.params?.progressToken;
      const call = isToken(token) ? this.byToken.get(token) : undefined;
      if (call === undefined) return;
      const relayed =
        call.callerToken === undefined
          ? notification
          : { ...notification, params: { ...notification.params, progressToken: call.callerToken } };
      deliver(call, relayed);
      return;
    }
    if (via !== undefined) {
      deliver(via, notification);
      return;
    }
    // Without a stream tying it to a call (stdio, legacy SSE), a log line concerns the session:
    // everyone on it hears it. Other unrelated notifications have no caller to go to.
    if (method === 'notifications/message') {
      for (const call of this.calls.values()) deliver(call, notification);
    }
  }

  private routeServerRequest(request: JsonRpcRequest, via: PendingCall | undefined): void {
    let call = via;
    if (call === undefined) {
      const meta = request.params?._meta;
      const token = isObject(meta) ? meta.progressToken : undefined;
      call = isToken(token) ? this.byToken.get(token) : undefined;
      // No standard field ties a request to a call outside the HTTP stream: the oldest call,
      // the likeliest to be blocked on it, gets it.
      call ??= this.calls.values().next().value;
    }
    const hooks = call?.options;
    if (hooks?.onRequest === undefined) {
      this.answer({
        jsonrpc: '2.0',
        id: request.id,
        error: { code: -32601, message: `The gateway cannot relay ${request.method} here` },
      });
      return;
    }
    let pending: Promise<Json>;
    try {
      pending = hooks.onRequest(request);
    } catch (error) {
      this.answer({ jsonrpc: '2.0', id: request.id, error: toRpcError(error, request.method) });
      return;
    }
    pending.then(
      (result) => this.answer({ jsonrpc: '2.0', id: request.id, result }),
      (error: unknown) =>
        this.answer({ jsonrpc: '2.0', id: request.id, error: toRpcError(error, request.method) }),
    );
  }

  /**
   * Answers a server→client request. If the answer cannot be sent as it is (the upstream refused
   * it), a plain error is sent instead: an upstream left waiting would hold its call to the timeout.
   */
  private answer(message: { jsonrpc: '2.0'; id: string | number } & Json, fallback = true): void {
    if (this.closed) return;
    this.transmit(message).catch(() => {
      if (!fallback) return;
      const error = { code: -32603, message: 'The gateway could not relay the answer' };
      this.answer({ jsonrpc: '2.0', id: message.id, error }, false);
    });
  }
}
