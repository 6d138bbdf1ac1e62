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
 * Host and Origin were checked by the listener. Like the Streamable HTTP transport, this one
 * calls admission (authentication, visibility, scope, sessions) and the dispatcher downward;
 * scope refusals are JSON-RPC errors on the stream, since a POST here is answered 202 before the
 * request runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bus, Unsubscribe } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { classifyMessage, errorMessage, resultMessage, RPC, type ClientMessage } from '@toolgate/mcp/jsonrpc';
import { LEGACY_SSE_VERSION, negotiateLegacyVersion } from '@toolgate/mcp/protocol';
import type { SessionClaims } from '@toolgate/mcp/session-token';
import type { Admission } from '../admission/admission.ts';
import type { Sessions } from '../admission/sessions.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import type { Responder } from '../dispatch/responder.ts';
import type { ProxyErrorName } from '../errors.ts';
import type { McpCall } from '../mcp-call.ts';
import type { GatewayRoute } from '../routes.ts';
import type { UsageDraft, UsageMeter } from '../usage/meter.ts';
import {
  acceptsSse,
  firstHeader,
  readClientMessage,
  sendProxyError,
  sendRefusal,
  SseWriter,
} from './http-util.ts';
import { legacySender, serverChannel, streamChannel, type LegacySend } from './legacy-sse-channels.ts';
import type { StreamHub } from './stream-hub.ts';

/** A message of a legacy session, as it reaches dispatch: the call, less its JSON-RPC body. */
type LegacyCall = McpCall & { session: McpCall['session'] & { claims: SessionClaims } };

export interface LegacySseDeps {
  bus: Bus;
  admission: Admission;
  /** Sessions: a legacy session is opened with its stream and ends with it. */
  sessions: Sessions;
  dispatcher: Dispatcher;
  log: Logger;
  maxBodyBytes: number;
  /** One usage event per POSTed message, as on the Streamable endpoint. */
  usage: UsageMeter;
  keepaliveMs?: number;
  /** Where the stream hears list changes and resource updates, like a Streamable GET stream. */
  hub: StreamHub;
}

export { serverChannel, streamChannel } from './legacy-sse-channels.ts';

interface OpenStream {
  res: ServerResponse;
  claims: SessionClaims;
  writer?: SseWriter;
  unsubscribe?: Unsubscribe;
  closed: boolean;
}

/** This replica's subscription to a session's client messages, shared by its in-flight requests. */
interface ServerListener {
  holders: number;
  ready: Promise<Unsubscribe | undefined>;
  call: LegacyCall;
}

const KEEPALIVE_MS = 25_000;

const jsonBytes = (message: unknown): number => Buffer.byteLength(JSON.stringify(message) ?? '');

export class LegacySseTransport {
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

  private async openStream(req: IncomingMessage, res: ServerResponse, route: GatewayRoute): Promise<void> {
    const accept = firstHeader(req.headers.accept);
    if (accept && !acceptsSse(accept)) {
      sendProxyError(res, 'NOT_ACCEPTABLE');
      return;
    }
    const admitted = await this.deps.admission.admit(req.headers, route);
    if (!admitted.ok) return sendRefusal(res, admitted.refusal);
    const { id, claims } = this.deps.sessions.issue(admitted.caller, {
      protocolVersion: LEGACY_SSE_VERSION,
      clientCapabilities: {},
    });
    const stream: OpenStream = { res, claims, closed: false };
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
    this.deps.hub.open(admitted.caller.gateway, stream.writer, {
      principal: admitted.caller.principal,
      sessionKey: claims.sid,
    });
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
    void this.deps.sessions.end(stream.claims);
    this.deps.dispatcher.sessionEnded(stream.claims.sid);
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
      const admitted = await this.deps.admission.admit(req.headers, route, usage);
      if (!admitted.ok) return sendRefusal(res, admitted.refusal, usage);
      const { caller } = admitted;
      const contentType = firstHeader(req.headers['content-type']) ?? '';
      if (!/^application\/json\b/i.test(contentType)) return refuse(res, usage, 'UNSUPPORTED_MEDIA_TYPE');
      const sessionId = new URL(req.url ?? '/', 'http://proxy').searchParams.get('sessionId');
      if (!sessionId) return refuse(res, usage, 'LEGACY_SESSION_REQUIRED');
      const opened = await this.deps.sessions.open(sessionId, caller, 'legacy');
      if (!opened.ok)
        return refuse(
          res,
          usage,
          opened.problem === 'REVOCATIONS_UNAVAILABLE' ? opened.problem : 'LEGACY_SESSION_NOT_FOUND',
        );
      const { claims } = opened;
      usage.sessionId = claims.sid;

      const read = await readClientMessage(req, res, this.deps.maxBodyBytes);
      if (!read.ok) return usage.reject(read.code, read.responseBytes);
      const message = read.message;
      usage.read(message, read.bytes);
      // A legacy session is issued before its initialize: only that message names the client.
      usage.declaredClient(
        message.kind === 'request' && message.message.method === 'initialize'
          ? (message.message.params?.clientInfo as { name?: unknown } | undefined)?.name
          : claims.clientInfo?.name,
      );

      res.writeHead(202, { 'content-type': 'text/plain' }).end('Accepted');
      const call: LegacyCall = {
        requestId,
        headers: req.headers,
        caller,
        session: {
          key: claims.sid,
          protocolVersion: claims.protocolVersion,
          clientCapabilities: claims.clientCapabilities,
          claims,
        },
        usage,
      };
      if (message.kind === 'request') {
        running = true;
        return this.run(call, message);
      }
      await this.forward(claims, message, requestId);
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

  private run(call: LegacyCall, message: ClientMessage): void {
    const listener = this.listen(call);
    const task = this.dispatchSafely(call, message, listener.ready).finally(() => {
      listener.release();
      this.inFlight.delete(task);
      if (call.usage) this.deps.usage.finish(call.usage);
    });
    this.inFlight.add(task);
  }

  /** Runs one message; resolves once everything it sent has been published. */
  private async dispatchSafely(
    call: LegacyCall,
    message: ClientMessage,
    listening: Promise<unknown>,
  ): Promise<void> {
    const { send, drained } = legacySender(this.deps, call, listening);
    try {
      await this.dispatch(call, message, send);
    } catch (err) {
      this.deps.log.error({ requestId: call.requestId, err }, 'legacy SSE dispatch failed');
      if (message.kind === 'request') {
        void send(
          errorMessage(message.message.id, {
            code: RPC.INTERNAL_ERROR,
            message: 'Internal error',
            data: { requestId: call.requestId },
          }),
        );
      }
    }
    await drained();
  }

  /**
   * One message of the session: a request runs (everything it produces goes to `send`, the
   * response last, the usage record told what went out); a client's response or notification
   * settles or cancels a request of the session if it runs on this replica.
   */
  private async dispatch(call: LegacyCall, message: ClientMessage, send: LegacySend): Promise<void> {
    const { dispatcher, admission } = this.deps;
    if (message.kind !== 'request') return dispatcher.onClientMessage(call.session.key, message);
    const request = message.message;
    const { usage } = call;
    // Messages go out through the bus, serialised there; metering sizes them once more here.
    const responder: Responder = {
      canStream: true,
      send(m) {
        usage?.sent(jsonBytes(m));
        void send(m);
      },
      reply(m) {
        usage?.reply(m, usage ? jsonBytes(m) : 0);
        void send(m);
      },
      onAbort: () => {},
    };
    // The POST was answered 202 already: a scope refusal is a JSON-RPC error on the stream.
    const refusal = admission.scopeRefusal(call.caller, request.method);
    if (refusal) {
      usage?.deny(refusal.deny!, RPC.FORBIDDEN, 0);
      return responder.reply(
        errorMessage(request.id, {
          code: RPC.FORBIDDEN,
          message: `${request.method} needs the "${refusal.values!.scope}" scope, which this access token was not granted`,
        }),
      );
    }
    const limited = request.method === 'tools/call' ? undefined : admission.limitRefusal(call.caller);
    const over = limited && (await limited);
    if (over) {
      usage?.deny(over.deny!, RPC.RATE_LIMITED, 0);
      return responder.reply(
        errorMessage(request.id, { code: RPC.RATE_LIMITED, message: over.values!.message!, data: over.data }),
      );
    }
    if (request.method === 'initialize') {
      const version = negotiateLegacyVersion(request.params?.protocolVersion);
      return responder.reply(
        resultMessage(request.id, dispatcher.initializeResult(call.caller.gateway, version)),
      );
    }
    await dispatcher.dispatch(call, request, responder);
  }

  /**
   * Joins this replica's listener for the session's client messages. Not awaited: a request
   * starts at once, and only a server→client request waits for the subscription.
   */
  private listen(call: LegacyCall) {
    const sid = call.session.key;
    let listener = this.listeners.get(sid);
    if (!listener) {
      // Messages forwarded from other replicas are not this POST's: they carry no usage record.
      const created: ServerListener = {
        holders: 0,
        call: { ...call, usage: undefined },
        ready: Promise.resolve(undefined),
      };
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
    const task = this.dispatchSafely(listener.call, message, listener.ready).finally(() =>
      this.inFlight.delete(task),
    );
    this.inFlight.add(task);
  }
}

/** Answers with a proxy error and tells the message's usage event. */
function refuse(res: ServerResponse, usage: UsageDraft, error: ProxyErrorName): void {
  sendRefusal(res, { error }, usage);
}
