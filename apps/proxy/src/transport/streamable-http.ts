import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import { TtlLru } from '@toolgate/core/lru';
import {
  type ClientMessage,
  errorMessage,
  JsonRpcError,
  resultMessage,
  RPC,
  type JsonRpcRequestMessage,
} from '@toolgate/mcp/jsonrpc';
import {
  isStatelessVersion,
  isSupportedVersion,
  LEGACY_SSE_VERSION,
  negotiateLegacyVersion,
  negotiateVersion,
  SUPPORTED_VERSIONS,
} from '@toolgate/mcp/protocol';
import {
  issueSession,
  openSession,
  type SessionCheck,
  type SessionClaims,
} from '@toolgate/mcp/session-token';
import type { AuthenticatorChain } from '../admission/auth/principal.ts';
import { CallRegistry } from '../dispatch/call-registry.ts';
import { authenticateCaller, missingScope, refuseScope, type Caller } from '../admission/admission.ts';
import type { Catalog } from '../dispatch/catalog.ts';
import { PROXY_ERRORS, type ProxyErrorName } from '../errors.ts';
import {
  acceptsJson,
  acceptsSse,
  firstHeader,
  hostnameOf,
  isOriginAllowed,
  readClientMessage,
  sendJson,
  sendProxyError,
  SseWriter,
} from './http-util.ts';
import type { LegacyDispatchContext, LegacySend } from './legacy-sse.ts';
import { routeToolCall } from '../dispatch/meta-tools.ts';
import type { Observability } from '../observability/observability.ts';
import { paginate } from '../dispatch/pagination.ts';
import { HttpResponder, type Responder } from '../dispatch/responder.ts';
import type { GatewayRoute } from '../routes.ts';
import type { SessionRevocations } from '../admission/session-revocations.ts';
import type { PreparedGateway, SnapshotStore } from '../config/snapshot-store.ts';
import { StreamHub } from './stream-hub.ts';
import type { ToolCaller } from '../dispatch/tool-caller.ts';
import type { UsageDraft, UsageMeter } from '../usage/meter.ts';

export interface McpEndpointDeps {
  store: SnapshotStore;
  auth: AuthenticatorChain;
  bus: Bus;
  /** Sessions ended with DELETE, refused on every replica. */
  endedSessions: SessionRevocations;
  sessionKeys: KeyRing;
  tools: ToolCaller;
  catalog: Catalog;
  /** One usage event per POSTed client message. */
  usage: UsageMeter;
  log: Logger;
  /** Authentication failures and spans (see gateway-access.ts). */
  observability?: Observability;
  maxBodyBytes: number;
  /** Origins allowed besides the gateway's own; '*' allows any. */
  allowedOrigins: readonly string[];
  /** Host names this proxy answers to (public host, base host and its subdomains, extras). */
  isAllowedHost: (hostname: string) => boolean;
  serverVersion: string;
  /** tools/list page size. */
  listPageSize: number;
}

/** What a dispatched request knows about where it came from. */
export interface DispatchContext {
  sessionKey: string;
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  requestId: string;
  /** The message's usage event: dispatch fills in what only it learns (tool, installation). */
  usage?: UsageDraft;
}

/** 2026-07-28 results say whether they are complete. */
function withResultType(responder: Responder): Responder {
  return {
    canStream: responder.canStream,
    send: (m) => responder.send(m),
    onAbort: (l) => responder.onAbort(l),
    reply(message) {
      const m = message as { result?: Record<string, unknown> };
      responder.reply(m.result ? { ...m, result: { resultType: 'complete', ...m.result } } : message);
    },
  };
}

/** Answers with a proxy error and tells the message's usage event, if it has one. */
function refuse(
  res: ServerResponse,
  usage: UsageDraft | undefined,
  name: ProxyErrorName,
  options?: Parameters<typeof sendProxyError>[2],
): void {
  const bytes = sendProxyError(res, name, options);
  usage?.reject(PROXY_ERRORS[name].rpc, bytes);
}

/**
 * Client capabilities travel inside every session id (a header on each request), so they are
 * bounded: real clients send a few hundred bytes.
 */
export const MAX_SEALED_CAPABILITIES_CHARS = 4_096;
const MAX_CLIENT_INFO_CHARS = 256;

function sealedParamsProblem(capabilities: unknown): string | undefined {
  if (capabilities === undefined) return undefined;
  if (typeof capabilities !== 'object' || capabilities === null || Array.isArray(capabilities))
    return '"capabilities" must be an object';
  const size = JSON.stringify(capabilities).length;
  if (size > MAX_SEALED_CAPABILITIES_CHARS)
    return `"capabilities" is ${size} characters of JSON; the gateway accepts at most ${MAX_SEALED_CAPABILITIES_CHARS}`;
  return undefined;
}

const jsonBytes = (message: unknown): number => Buffer.byteLength(JSON.stringify(message) ?? '');

const META_VERSION = 'io.modelcontextprotocol/protocolVersion';
const META_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';

/** The Streamable HTTP endpoint of every gateway: POST messages, GET stream, DELETE session. */
export class McpEndpoint {
  readonly calls = new CallRegistry();
  private readonly openedSessions = new TtlLru<string, SessionClaims>(20_000, 10 * 60_000);
  readonly streams: StreamHub;

  constructor(private readonly deps: McpEndpointDeps) {
    this.streams = new StreamHub(deps.store, deps.log);
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    route: GatewayRoute,
    requestId: string,
  ): Promise<void> {
    // DNS rebinding: a name we do not serve that resolves to us is refused; IP literals and
    // localhost are what direct and local clients use, and carry no rebinding risk.
    const hostname = hostnameOf(req.headers.host);
    if (hostname && !this.deps.isAllowedHost(hostname)) {
      sendProxyError(res, 'HOST_FORBIDDEN', { values: { host: hostname } });
      return;
    }
    const origin = firstHeader(req.headers.origin);
    if (
      origin &&
      !isOriginAllowed(origin, {
        resourceUrl: route.resourceUrl,
        host: req.headers.host,
        allowedOrigins: this.deps.allowedOrigins,
      })
    ) {
      sendProxyError(res, 'ORIGIN_FORBIDDEN', { values: { origin } });
      return;
    }
    if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') {
      sendProxyError(res, 'METHOD_NOT_ALLOWED', {
        values: { method: req.method ?? '' },
        headers: { allow: 'GET, POST, DELETE' },
      });
      return;
    }
    if (req.method === 'POST') {
      // Every POST of a known tenant is one usage event, whatever becomes of it.
      const usage = this.deps.usage.begin(requestId, req.headers);
      try {
        const caller = await this.authenticateCaller(req, res, route, usage);
        if (!caller) return;
        const versionHeader = this.versionHeader(req, res, usage);
        if (versionHeader === false) return;
        return await this.post(req, res, caller, versionHeader, requestId, usage);
      } finally {
        this.deps.usage.finish(usage);
      }
    }
    const caller = await this.authenticateCaller(req, res, route);
    if (!caller) return;
    const versionHeader = this.versionHeader(req, res);
    if (versionHeader === false) return;
    const session = await this.session(req, res, caller, versionHeader);
    if (!session) return;
    if (req.method === 'GET') {
      if (!acceptsSse(firstHeader(req.headers.accept))) return refuse(res, undefined, 'NOT_ACCEPTABLE');
      this.streams.open(
        caller.gateway,
        new SseWriter(res, { 'mcp-session-id': firstHeader(req.headers['mcp-session-id'])! }),
      );
      return;
    }
    // DELETE: refuse this session id on every replica until it would have expired anyway.
    const ended = await this.deps.endedSessions.end(session.tenantId, session.sid, session.expiresAt);
    if (!ended) return refuse(res, undefined, 'REVOCATIONS_UNAVAILABLE', { headers: { 'retry-after': '2' } });
    res.writeHead(200).end();
  }

  /** Finds the gateway and authenticates the caller (see gateway-access.ts). */
  authenticateCaller(
    req: IncomingMessage,
    res: ServerResponse,
    route: GatewayRoute,
    usage?: UsageDraft,
  ): Promise<Caller | undefined> {
    return authenticateCaller(this.deps, req, res, route, usage);
  }

  /** The MCP-Protocol-Version header, or false once an unsupported one has been refused. */
  private versionHeader(
    req: IncomingMessage,
    res: ServerResponse,
    usage?: UsageDraft,
  ): string | undefined | false {
    const versionHeader = firstHeader(req.headers['mcp-protocol-version']);
    if (versionHeader !== undefined && !isSupportedVersion(versionHeader)) {
      refuse(res, usage, 'UNSUPPORTED_VERSION', {
        values: { version: versionHeader, supported: SUPPORTED_VERSIONS.join(', ') },
      });
      return false;
    }
    return versionHeader;
  }

  /** Opens and checks the session a request presents; answers the error itself when it fails. */
  private async session(
    req: IncomingMessage,
    res: ServerResponse,
    caller: Caller,
    versionHeader: string | undefined,
    usage?: UsageDraft,
  ): Promise<SessionClaims | undefined> {
    const sessionId = firstHeader(req.headers['mcp-session-id']);
    if (!sessionId) {
      refuse(res, usage, 'SESSION_REQUIRED');
      return undefined;
    }
    const { snapshot } = caller.gateway;
    const opened = this.openCached(sessionId, snapshot.tenant.id, snapshot.gateway.id);
    // A session is bound to whoever opened it: another principal's request finds nothing here.
    if (
      !opened.ok ||
      opened.claims.principal !== caller.principal.id ||
      opened.claims.protocolVersion === LEGACY_SSE_VERSION
    ) {
      refuse(res, usage, 'SESSION_NOT_FOUND');
      return undefined;
    }
    if (usage) usage.sessionId = opened.claims.sid;
    let ended: boolean;
    try {
      ended = await this.deps.endedSessions.isEnded(opened.claims.sid);
    } catch {
      // Neither Redis nor Postgres can say: an ended session is never served for want of an answer.
      refuse(res, usage, 'REVOCATIONS_UNAVAILABLE', { headers: { 'retry-after': '2' } });
      return undefined;
    }
    if (ended) {
      refuse(res, usage, 'SESSION_NOT_FOUND');
      return undefined;
    }
    // Clients may send any stateful version they support; only the stateless revision cannot
    // address a session.
    if (versionHeader !== undefined && isStatelessVersion(versionHeader)) {
      refuse(res, usage, 'VERSION_MISMATCH', {
        values: { version: versionHeader, session: opened.claims.protocolVersion },
      });
      return undefined;
    }
    return opened.claims;
  }

  /**
   * Opening a session id is an AES-GCM decrypt and a JSON parse; a replica remembers ids it has
   * opened until they expire. The claims name their tenant and gateway (an id opens for no
   * other), so the exact id is the key. Revocation is still checked on every request.
   */
  private openCached(sessionId: string, tenantId: string, gatewayId: string): SessionCheck {
    const cached = this.openedSessions.get(sessionId);
    if (
      cached &&
      cached.tenantId === tenantId &&
      cached.gatewayId === gatewayId &&
      cached.expiresAt * 1000 > Date.now()
    ) {
      return { ok: true, claims: cached };
    }
    const opened = openSession(this.deps.sessionKeys, sessionId, { tenantId, gatewayId });
    if (opened.ok) this.openedSessions.set(sessionId, opened.claims);
    return opened;
  }

  private async post(
    req: IncomingMessage,
    res: ServerResponse,
    caller: Caller,
    versionHeader: string | undefined,
    requestId: string,
    usage: UsageDraft,
  ): Promise<void> {
    const accept = firstHeader(req.headers.accept);
    if (!acceptsJson(accept) && !acceptsSse(accept)) return refuse(res, usage, 'NOT_ACCEPTABLE');
    const contentType = firstHeader(req.headers['content-type']) ?? '';
    if (!/^application\/json\b/i.test(contentType)) return refuse(res, usage, 'UNSUPPORTED_MEDIA_TYPE');

    const read = await readClientMessage(req, res, this.deps.maxBodyBytes);
    if (!read.ok) return usage.reject(read.code, read.responseBytes);
    const message = read.message;
    usage.read(message, read.bytes);
    if (message.kind === 'request') {
      const scope = missingScope(caller.principal, message.message.method);
      if (scope) return refuseScope(this.deps, res, caller, message.message, scope, usage);
    }

    if (message.kind === 'request' && message.message.method === 'initialize') {
      return this.initialize(res, caller, message.message, usage);
    }
    const meta =
      message.kind === 'response'
        ? undefined
        : (message.message.params?._meta as Record<string, unknown> | undefined);
    const metaVersion = meta?.[META_VERSION];
    const stateless =
      (versionHeader !== undefined && isStatelessVersion(versionHeader)) || metaVersion === '2026-07-28';
    let session: SessionClaims | undefined;
    if (stateless) {
      if (versionHeader !== undefined && metaVersion !== undefined && versionHeader !== metaVersion) {
        return refuse(res, usage, 'VERSION_MISMATCH', {
          values: { version: versionHeader, session: JSON.stringify(metaVersion) },
        });
      }
    } else {
      session = await this.session(req, res, caller, versionHeader, usage);
      if (!session) return;
    }
    const sessionKey = session?.sid ?? `stateless:${caller.principal.id}`;

    if (message.kind !== 'request') {
      this.onClientMessage(sessionKey, message);
      res.writeHead(202).end();
      return;
    }
    let clientCapabilities = session?.clientCapabilities ?? {};
    if (stateless) {
      const caps = meta?.[META_CAPABILITIES];
      if (typeof caps !== 'object' || caps === null || Array.isArray(caps)) {
        const error = errorMessage(message.message.id, {
          code: RPC.INVALID_PARAMS,
          message: `Invalid params: _meta["${META_CAPABILITIES}"] (an object) is required by protocol 2026-07-28`,
        });
        return usage.reply(error, sendJson(res, 200, error));
      }
      clientCapabilities = caps as Record<string, unknown>;
    }
    await this.dispatch(
      caller,
      message.message,
      {
        sessionKey,
        protocolVersion: session?.protocolVersion ?? '2026-07-28',
        clientCapabilities,
        headers: req.headers,
        requestId,
        usage,
      },
      new HttpResponder(res, acceptsSse(accept), usage),
    );
  }

  private capabilities(gateway: PreparedGateway): Record<string, unknown> {
    return { tools: { listChanged: true }, logging: {}, ...this.deps.catalog.capabilities(gateway) };
  }

  private serverInfo(gateway: PreparedGateway): Record<string, unknown> {
    const { snapshot } = gateway;
    return {
      name: `toolgate/${snapshot.tenant.slug}/${snapshot.gateway.slug}`,
      title: snapshot.gateway.name,
      version: this.deps.serverVersion,
    };
  }

  private initialize(
    res: ServerResponse,
    caller: Caller,
    message: JsonRpcRequestMessage,
    usage: UsageDraft,
  ): void {
    const params = message.params ?? {};
    const version = negotiateVersion(params.protocolVersion);
    const { snapshot } = caller.gateway;
    const problem = sealedParamsProblem(params.capabilities);
    if (problem !== undefined) {
      const error = errorMessage(message.id, {
        code: RPC.INVALID_PARAMS,
        message: `Invalid params: ${problem}`,
      });
      return usage.reply(error, sendJson(res, 200, error));
    }
    const clientInfo = params.clientInfo as { name?: unknown; version?: unknown } | undefined;
    const { id, claims } = issueSession(this.deps.sessionKeys, {
      tenantId: snapshot.tenant.id,
      gatewayId: snapshot.gateway.id,
      principal: caller.principal.id,
      protocolVersion: version,
      clientCapabilities: (params.capabilities as Record<string, unknown> | undefined) ?? {},
      ...(typeof clientInfo?.name === 'string'
        ? {
            clientInfo: {
              name: clientInfo.name.slice(0, MAX_CLIENT_INFO_CHARS),
              version:
                typeof clientInfo.version === 'string'
                  ? clientInfo.version.slice(0, MAX_CLIENT_INFO_CHARS)
                  : '',
            },
          }
        : {}),
    });
    const reply = resultMessage(message.id, {
      protocolVersion: version,
      capabilities: this.capabilities(caller.gateway),
      serverInfo: this.serverInfo(caller.gateway),
      ...(snapshot.gateway.description ? { instructions: snapshot.gateway.description } : {}),
    });
    usage.sessionId = claims.sid;
    usage.reply(reply, sendJson(res, 200, reply, { 'mcp-session-id': id }));
  }

  /** A client's response to a server→client request, or a client notification. */
  private onClientMessage(sessionKey: string, message: Exclude<ClientMessage, { kind: 'request' }>): void {
    if (message.kind === 'response') {
      const { id, result, error } = message.message;
      this.calls.settle(sessionKey, id, { result, error });
      return;
    }
    const { method, params } = message.message;
    if (method === 'notifications/cancelled' && params) {
      const { requestId, reason } = params;
      if (typeof requestId === 'string' || typeof requestId === 'number') {
        this.calls.cancel(sessionKey, requestId, typeof reason === 'string' ? reason : undefined);
      }
    }
  }

  /**
   * The legacy HTTP+SSE transport's dispatcher (contract in legacy-sse.ts): every message a
   * request produces goes to `send`, which delivers it to whichever replica holds the stream.
   */
  async dispatchLegacy(
    caller: Caller,
    message: ClientMessage,
    send: LegacySend,
    context: LegacyDispatchContext,
  ): Promise<void> {
    const { session, usage } = context;
    if (message.kind !== 'request') return this.onClientMessage(session.sid, message);
    const request = message.message;
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
    if (request.method === 'initialize') {
      const { snapshot } = caller.gateway;
      return responder.reply(
        resultMessage(request.id, {
          protocolVersion: negotiateLegacyVersion(request.params?.protocolVersion),
          capabilities: this.capabilities(caller.gateway),
          serverInfo: this.serverInfo(caller.gateway),
          ...(snapshot.gateway.description ? { instructions: snapshot.gateway.description } : {}),
        }),
      );
    }
    await this.dispatch(
      caller,
      request,
      {
        sessionKey: session.sid,
        protocolVersion: session.protocolVersion,
        clientCapabilities: session.clientCapabilities,
        headers: context.headers,
        requestId: context.requestId,
        usage,
      },
      responder,
    );
  }

  /**
   * Runs one client request and hands every message it produces to `responder`. Shared by the
   * Streamable HTTP endpoint and the legacy HTTP+SSE transport.
   */
  async dispatch(
    caller: Caller,
    message: JsonRpcRequestMessage,
    context: DispatchContext,
    responder: Responder,
  ): Promise<void> {
    const stateless = isStatelessVersion(context.protocolVersion);
    if (stateless) responder = withResultType(responder);
    const reply = (result: Record<string, unknown>) => responder.reply(resultMessage(message.id, result));
    const { gateway, principal } = caller;
    const params = message.params ?? {};
    const { catalog } = this.deps;
    // Streamable HTTP refused this with a 403 already; the legacy transport can only answer here.
    const scope = missingScope(principal, message.method);
    if (scope) {
      // Counted and audited like the Streamable refusal (refuseScope); the reply adds the bytes.
      this.deps.observability?.metrics.authFailure('insufficient_scope');
      context.usage?.deny('insufficient_scope', RPC.FORBIDDEN, 0);
      return responder.reply(
        errorMessage(message.id, {
          code: RPC.FORBIDDEN,
          message: `${message.method} needs the "${scope}" scope, which this access token was not granted`,
        }),
      );
    }
    try {
      switch (message.method) {
        case 'ping':
        case 'logging/setLevel':
          if (stateless) break;
          return reply({});
        case 'server/discover':
          return reply({
            supportedVersions: [...SUPPORTED_VERSIONS],
            capabilities: this.capabilities(gateway),
            serverInfo: this.serverInfo(gateway),
            ...(gateway.snapshot.gateway.description
              ? { instructions: gateway.snapshot.gateway.description }
              : {}),
          });
        case 'tools/list': {
          const { page, nextCursor } = paginate(gateway.listedTools, params.cursor, this.deps.listPageSize);
          return reply(nextCursor ? { tools: page, nextCursor } : { tools: page });
        }
        case 'tools/call': {
          let call = message;
          // Search exposure: the gateway's own tools answer here or unwrap to the tool they name.
          if (gateway.toolSearch) {
            const route = routeToolCall(gateway.toolSearch, gateway.toolByName, message, context.usage);
            if ('reply' in route) return responder.reply(route.reply);
            call = route.call;
          }
          return await this.deps.tools.call(gateway, principal, call, context, this.calls, responder);
        }
        case 'prompts/list':
          return reply(await catalog.listPrompts(gateway, principal));
        case 'prompts/get':
          return reply(await catalog.getPrompt(gateway, principal, params));
        case 'resources/list':
          return reply(await catalog.listResources(gateway, principal));
        case 'resources/templates/list':
          return reply(await catalog.listResourceTemplates(gateway, principal));
        case 'resources/read':
        case 'resources/subscribe':
        case 'resources/unsubscribe':
          return reply(await catalog.forUri(gateway, principal, message.method, params));
        case 'completion/complete':
          return reply(await catalog.complete(gateway, principal, params));
      }
      responder.reply(
        errorMessage(message.id, {
          code: RPC.METHOD_NOT_FOUND,
          message: `Method not found: ${message.method}`,
        }),
      );
    } catch (err) {
      if (!(err instanceof JsonRpcError)) throw err;
      responder.reply(errorMessage(message.id, err.toObject()));
    }
  }
}
