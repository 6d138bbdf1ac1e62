/**
 * The HTTP+SSE transport of MCP 2024-11-05, for clients that predate Streamable HTTP.
 *
 *   GET  {gateway}/sse                      opens the stream; its first event is `endpoint`
 *   POST {gateway}/messages?sessionId=…     one JSON-RPC message, answered 202, results on the stream
 *
 * Proxies are replicas without sticky routing, so the POST lands anywhere while the stream is
 * held by one replica. Everything the gateway sends travels over the bus:
 *
 *   `legacy:{sid}`         every outgoing message (responses, notifications, server→client
 *                          requests); the replica holding the stream subscribes and writes it.
 *   `legacy:{sid}:server`  the client's responses and notifications (e.g. its answer to a
 *                          sampling request, `notifications/cancelled`); replicas with a request of
 *                          that session in flight subscribe and hand them to `dispatch`.
 *
 * The two functions this endpoint is built with are McpEndpoint methods, wired in build-proxy.ts:
 *
 *   authenticateCaller(req: IncomingMessage, res: ServerResponse, route: GatewayRoute, usage?: UsageDraft):
 *     Promise<{ gateway: PreparedGateway; principal: Principal } | undefined>
 *       Exactly the Streamable endpoint's authentication: finds the gateway, authenticates,
 *       checks team visibility; on failure answers the error itself (401 with WWW-Authenticate
 *       and resource_metadata, 403, 404, 503) and resolves undefined. `usage` learns the outcome.
 *
 *   dispatchLegacy(caller: { gateway: PreparedGateway; principal: Principal }, message: ClientMessage,
 *                  send: (message: unknown) => Promise<void>, context: LegacyDispatchContext): Promise<void>
 *       kind 'request': runs it and passes every message it produces to `send`, the response last,
 *         telling `context.usage` (when set) what went out.
 *         `initialize` answers with negotiateLegacyVersion(params.protocolVersion) and issues no
 *         session (the session is `context.session`, made when the stream opened). Progress,
 *         logging and server→client requests may always be sent: the stream is always there.
 *         The CallRegistry key is `context.session.sid`.
 *       kind 'response': settles a pending server→client request of `context.session.sid`; it is
 *         normal that none is pending on this replica.
 *       kind 'notification': `notifications/cancelled` cancels the request of that session if it
 *         runs here; anything else may be ignored.
 *       May throw; a request then gets an Internal error response.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Bus, Unsubscribe } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import { classifyMessage, errorMessage, RPC, type ClientMessage } from '@toolgate/mcp/jsonrpc';
import { LEGACY_SSE_VERSION } from '@toolgate/mcp/protocol';
import { issueSession, openSession, type SessionClaims } from '@toolgate/mcp/session-token';
import type { Principal } from '../admission/auth/principal.ts';
import {
  acceptsSse,
  firstHeader,
  hostnameOf,
  isOriginAllowed,
  readClientMessage,
  sendProxyError,
  SseWriter,
} from './http-util.ts';
import { PROXY_ERRORS, type ProxyErrorName } from '../errors.ts';
import type { GatewayRoute } from '../routes.ts';
import type { SessionRevocations } from '../admission/session-revocations.ts';
import type { PreparedGateway } from '../config/snapshot-store.ts';
import type { UsageDraft, UsageMeter } from '../usage/meter.ts';

export interface LegacyCaller {
  gateway: PreparedGateway;
  principal: Principal;
}

export interface LegacyDispatchContext {
  /** The session the stream opened: `sid` keys in-flight calls and pending client requests. */
  session: SessionClaims;
  /** Headers of the POST that carried the request (header allow-list pass-through). */
  headers: IncomingHttpHeaders;
  requestId: string;
  /** The usage event of the POST that carried the message (absent for forwarded messages). */
  usage?: UsageDraft;
}

/** Publishes one message to the session's stream. Never rejects; order is kept without awaiting. */
export type LegacySend = (message: unknown) => Promise<void>;

export type LegacyAuthenticate = (
  req: IncomingMessage,
  res: ServerResponse,
  route: GatewayRoute,
  usage?: UsageDraft,
) => Promise<LegacyCaller | undefined>;

export type LegacyDispatch = (
  caller: LegacyCaller,
  message: ClientMessage,
  send: LegacySend,
  context: LegacyDispatchContext,
) => Promise<void>;

export interface LegacySseDeps {
  bus: Bus;
  /** Ended sessions: a legacy session ends with its stream. */
  endedSessions: SessionRevocations;
  sessionKeys: KeyRing;
  log: Logger;
  maxBodyBytes: number;
  /** Origins allowed besides the gateway's own and the request's host; '*' allows any. */
  allowedOrigins: readonly string[];
  isAllowedHost: (hostname: string) => boolean;
  authenticate: LegacyAuthenticate;
  dispatch: LegacyDispatch;
  /** One usage event per POSTed message, as on the Streamable endpoint. */
  usage: UsageMeter;
  keepaliveMs?: number;
}

export const streamChannel = (sid: string) => `legacy:${sid}`;
export const serverChannel = (sid: string) => `legacy:${sid}:server`;

interface OpenStream {
  res: ServerResponse;
  tenantId: string;
  sid: string;
  expiresAt: number;
  writer?: SseWriter;
  unsubscribe?: Unsubscribe;
  closed: boolean;
}

/** This replica's subscription to a session's client messages, shared by its in-flight requests. */
interface ServerListener {
  holders: number;
  ready: Promise<Unsubscribe | undefined>;
  caller: LegacyCaller;
  context: LegacyDispatchContext;
}

const KEEPALIVE_MS = 25_000;

export class LegacySseEndpoint {
  private readonly streams = new Set<OpenStream>();
  private readonly listeners = new Map<string, ServerListener>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly keepalive: NodeJS.Timeout;

  constructor(private readonly deps: LegacySseDeps) {
    this.keepalive = setInterval(() => {
      for (const stream of this.streams) stream.writer?.comment('keepalive');
    }, deps.keepaliveMs ?? KEEPALIVE_MS);
    this.keepalive.unref();
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    kind: 'legacy-sse' | 'legacy-message',
    route: GatewayRoute,
    requestId: string,
  ): Promise<void> {
    if (!this.admitted(req, res, route)) return;
    const method = kind === 'legacy-sse' ? 'GET' : 'POST';
    if (req.method !== method) {
      sendProxyError(res, 'METHOD_NOT_ALLOWED', {
        values: { method: req.method ?? '' },
        headers: { allow: method },
      });
      return;
    }
    if (kind === 'legacy-sse') return this.openStream(req, res, route);
    return this.receive(req, res, route, requestId);
  }

  get openStreams(): number {
    return this.streams.size;
  }

  /** Ends every stream (their sessions end with them) and stops the keepalive. */
  closeAll(): void {
    clearInterval(this.keepalive);
    for (const stream of this.streams) {
      stream.writer?.end();
      // Also the connection: a kept-alive one would hold the server's close until the grace ends.
      stream.res.socket?.end();
    }
  }

  /** Resolves when the requests running on this replica have finished. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** The same host and origin rules as the Streamable HTTP endpoint (DNS rebinding, CORS). */
  private admitted(req: IncomingMessage, res: ServerResponse, route: GatewayRoute): boolean {
    const hostname = hostnameOf(req.headers.host);
    if (hostname && !this.deps.isAllowedHost(hostname)) {
      sendProxyError(res, 'HOST_FORBIDDEN', { values: { host: hostname } });
      return false;
    }
    const origin = firstHeader(req.headers.origin);
    const { resourceUrl } = route;
    if (
      origin &&
      !isOriginAllowed(origin, {
        resourceUrl,
        host: req.headers.host,
        allowedOrigins: this.deps.allowedOrigins,
      })
    ) {
      sendProxyError(res, 'ORIGIN_FORBIDDEN', { values: { origin } });
      return false;
    }
    return true;
  }

  private async openStream(req: IncomingMessage, res: ServerResponse, route: GatewayRoute): Promise<void> {
    const accept = firstHeader(req.headers.accept);
    if (accept && !acceptsSse(accept)) {
      sendProxyError(res, 'NOT_ACCEPTABLE');
      return;
    }
    const caller = await this.deps.authenticate(req, res, route);
    if (!caller) return;
    const { snapshot } = caller.gateway;
    const { id, claims } = issueSession(this.deps.sessionKeys, {
      tenantId: snapshot.tenant.id,
      gatewayId: snapshot.gateway.id,
      principal: caller.principal.id,
      protocolVersion: LEGACY_SSE_VERSION,
      clientCapabilities: {},
    });
    const stream: OpenStream = {
      res,
      tenantId: claims.tenantId,
      sid: claims.sid,
      expiresAt: claims.expiresAt,
      closed: false,
    };
    res.once('close', () => this.closeStream(stream));
    // Subscribe before anyone can know the session: nothing published for it is missed.
    try {
      stream.unsubscribe = await this.deps.bus.sessions.subscribe(streamChannel(claims.sid), (message) =>
        stream.writer?.send(message),
      );
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'could not subscribe a legacy SSE stream');
      if (!stream.closed) sendProxyError(res, 'UNAVAILABLE', { headers: { 'retry-after': '2' } });
      return;
    }
    if (stream.closed) return void this.release(stream);
    stream.writer = new SseWriter(res);
    this.streams.add(stream);
    // Relative, so the client posts to the host it reached us by, through the same ingress.
    const path = new URL(route.resourceUrl).pathname;
    stream.writer.event('endpoint', `${path}/messages?sessionId=${encodeURIComponent(id)}`);
  }

  /** A legacy session lives as long as its stream: once it ends, posts to it are refused everywhere. */
  private closeStream(stream: OpenStream): void {
    if (stream.closed) return;
    stream.closed = true;
    this.streams.delete(stream);
    if (stream.unsubscribe) void this.release(stream);
    void this.deps.endedSessions.end(stream.tenantId, stream.sid, stream.expiresAt);
  }

  private async release(stream: OpenStream): Promise<void> {
    const unsubscribe = stream.unsubscribe;
    stream.unsubscribe = undefined;
    await unsubscribe?.().catch((err: unknown) => {
      this.deps.log.warn({ err: (err as Error).message }, 'could not unsubscribe a legacy SSE stream');
    });
  }

  private async receive(
    req: IncomingMessage,
    res: ServerResponse,
    route: GatewayRoute,
    requestId: string,
  ): Promise<void> {
    const usage = this.deps.usage.begin(requestId, req.headers);
    // A request's event is finished when its dispatch is (see run); everything else's here.
    let running = false;
    try {
      const caller = await this.deps.authenticate(req, res, route, usage);
      if (!caller) return;
      const contentType = firstHeader(req.headers['content-type']) ?? '';
      if (!/^application\/json\b/i.test(contentType)) return refuse(res, usage, 'UNSUPPORTED_MEDIA_TYPE');
      const sessionId = new URL(req.url ?? '/', 'http://proxy').searchParams.get('sessionId');
      if (!sessionId) return refuse(res, usage, 'LEGACY_SESSION_REQUIRED');
      const session = await this.session(sessionId, caller);
      if (session === 'unavailable') return refuse(res, usage, 'REVOCATIONS_UNAVAILABLE');
      if (!session) return refuse(res, usage, 'LEGACY_SESSION_NOT_FOUND');
      usage.sessionId = session.sid;

      const read = await readClientMessage(req, res, this.deps.maxBodyBytes);
      if (!read.ok) return usage.reject(read.code, read.responseBytes);
      const message = read.message;
      usage.read(message, read.bytes);

      res.writeHead(202, { 'content-type': 'text/plain' }).end('Accepted');
      const context: LegacyDispatchContext = { session, headers: req.headers, requestId, usage };
      if (message.kind === 'request') {
        running = true;
        return this.run(caller, message, context);
      }
      await this.forward(session, message, requestId);
    } finally {
      if (!running) this.deps.usage.finish(usage);
    }
  }

  private async forward(
    session: SessionClaims,
    message: Exclude<ClientMessage, { kind: 'request' }>,
    requestId: string,
  ): Promise<void> {
    // Answers and notifications concern requests in flight, wherever they run.
    await this.deps.bus.sessions
      .publish(serverChannel(session.sid), message.message)
      .catch((err: unknown) => {
        this.deps.log.warn(
          { requestId, err: (err as Error).message },
          'could not forward a client message of a legacy session',
        );
      });
  }

  /** Opens the session a post names: this gateway's, this principal's, legacy, not ended. */
  private async session(
    sessionId: string,
    caller: LegacyCaller,
  ): Promise<SessionClaims | 'unavailable' | undefined> {
    const { snapshot } = caller.gateway;
    const opened = openSession(this.deps.sessionKeys, sessionId, {
      tenantId: snapshot.tenant.id,
      gatewayId: snapshot.gateway.id,
    });
    if (
      !opened.ok ||
      opened.claims.principal !== caller.principal.id ||
      opened.claims.protocolVersion !== LEGACY_SSE_VERSION
    ) {
      return undefined;
    }
    let ended: boolean;
    try {
      ended = await this.deps.endedSessions.isEnded(opened.claims.sid);
    } catch {
      return 'unavailable';
    }
    return ended ? undefined : opened.claims;
  }

  private run(caller: LegacyCaller, message: ClientMessage, context: LegacyDispatchContext): void {
    const listener = this.listen(caller, context);
    const task = this.dispatchSafely(caller, message, context, listener.ready).finally(() => {
      listener.release();
      this.inFlight.delete(task);
      if (context.usage) this.deps.usage.finish(context.usage);
    });
    this.inFlight.add(task);
  }

  /** Runs one message; resolves once everything it sent has been published. */
  private async dispatchSafely(
    caller: LegacyCaller,
    message: ClientMessage,
    context: LegacyDispatchContext,
    listening: Promise<unknown>,
  ): Promise<void> {
    const { send, drained } = this.sender(context, listening);
    try {
      await this.deps.dispatch(caller, message, send, context);
    } catch (err) {
      this.deps.log.error({ requestId: context.requestId, err }, 'legacy SSE dispatch failed');
      if (message.kind === 'request') {
        void send(
          errorMessage(message.message.id, {
            code: RPC.INTERNAL_ERROR,
            message: 'Internal error',
            data: { requestId: context.requestId },
          }),
        );
      }
    }
    await drained();
  }

  /**
   * Publishes in call order, whether or not the caller awaits. A server→client request waits
   * until this replica listens for the client's answer.
   */
  private sender(
    context: LegacyDispatchContext,
    listening: Promise<unknown>,
  ): { send: LegacySend; drained: () => Promise<void> } {
    let chain = Promise.resolve();
    const channel = streamChannel(context.session.sid);
    const send: LegacySend = (message) => {
      const expectsAnswer =
        typeof message === 'object' && message !== null && 'method' in message && 'id' in message;
      chain = chain.then(async () => {
        if (expectsAnswer) await listening;
        await this.deps.bus.sessions.publish(channel, message).catch((err: unknown) => {
          this.deps.log.warn(
            { requestId: context.requestId, err: (err as Error).message },
            'could not publish to a legacy SSE stream',
          );
        });
      });
      return chain;
    };
    return { send, drained: () => chain };
  }

  /**
   * Joins this replica's listener for the session's client messages. Not awaited: a request
   * starts at once, and only a server→client request waits for the subscription.
   */
  private listen(caller: LegacyCaller, context: LegacyDispatchContext) {
    const { sid } = context.session;
    let listener = this.listeners.get(sid);
    if (!listener) {
      const created: ServerListener = { holders: 0, caller, context, ready: Promise.resolve(undefined) };
      created.ready = this.deps.bus.sessions
        .subscribe(serverChannel(sid), (message) => this.deliver(created, message))
        .catch((err: unknown) => {
          this.deps.log.warn({ err: (err as Error).message }, 'could not listen to a legacy session');
          return undefined;
        });
      this.listeners.set(sid, created);
      listener = created;
    }
    const joined = listener;
    joined.holders++;
    return {
      ready: joined.ready,
      release: () => {
        if (--joined.holders > 0) return;
        if (this.listeners.get(sid) === joined) this.listeners.delete(sid);
        void joined.ready.then((unsubscribe) => unsubscribe?.()).catch(() => {});
      },
    };
  }

  private deliver(listener: ServerListener, raw: unknown): void {
    let message: ClientMessage;
    try {
      message = classifyMessage(raw);
    } catch {
      return;
    }
    if (message.kind === 'request') return;
    const { caller, context } = listener;
    const task = this.dispatchSafely(caller, message, context, listener.ready).finally(() =>
      this.inFlight.delete(task),
    );
    this.inFlight.add(task);
  }
}

/** Answers with a proxy error and tells the message's usage event. */
function refuse(res: ServerResponse, usage: UsageDraft, name: ProxyErrorName): void {
  usage.reject(PROXY_ERRORS[name].rpc, sendProxyError(res, name));
}
