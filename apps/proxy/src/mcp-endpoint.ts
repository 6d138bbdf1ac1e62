import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import {
  classifyMessage,
  errorMessage,
  idOf,
  type JsonRpcError,
  resultMessage,
  RPC,
  type JsonRpcRequestMessage,
} from '@toolgate/mcp/jsonrpc';
import {
  isStatelessVersion,
  isSupportedVersion,
  negotiateVersion,
  SUPPORTED_VERSIONS,
} from '@toolgate/mcp/protocol';
import { issueSession, openSession, type SessionClaims } from '@toolgate/mcp/session-token';
import type { AuthenticatorChain, AuthFailure, Principal } from './auth/principal.ts';
import { CallRegistry } from './call-registry.ts';
import { PROXY_ERRORS, type ProxyErrorName } from './errors.ts';
import {
  acceptsJson,
  acceptsSse,
  BodyTooLargeError,
  firstHeader,
  readBody,
  sendJson,
  sendProxyError,
  SseWriter,
} from './http-util.ts';
import type { GatewayRoute } from './routes.ts';
import type { PreparedGateway, SnapshotStore } from './snapshot-store.ts';
import { StreamHub } from './stream-hub.ts';
import type { ToolCaller } from './tool-caller.ts';

export interface McpEndpointDeps {
  store: SnapshotStore;
  auth: AuthenticatorChain;
  bus: Bus;
  sessionKeys: KeyRing;
  tools: ToolCaller;
  log: Logger;
  maxBodyBytes: number;
  /** Origins allowed besides the gateway's own; '*' allows any. */
  allowedOrigins: readonly string[];
  serverVersion: string;
}

interface Caller {
  gateway: PreparedGateway;
  principal: Principal;
}

const AUTH_FAILURE_ERROR: Record<AuthFailure, ProxyErrorName> = {
  missing: 'UNAUTHORIZED',
  malformed: 'INVALID_TOKEN',
  unknown: 'INVALID_TOKEN',
  expired: 'INVALID_TOKEN',
  revoked: 'INVALID_TOKEN',
  wrong_tenant: 'INVALID_TOKEN',
  method_not_allowed: 'AUTH_METHOD_NOT_ALLOWED',
  no_mcp_capability: 'NO_MCP_CAPABILITY',
  unavailable: 'UNAVAILABLE',
};

/** The Streamable HTTP endpoint of every gateway: POST messages, GET stream, DELETE session. */
export class McpEndpoint {
  readonly calls = new CallRegistry();
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
    const origin = firstHeader(req.headers.origin);
    if (origin && !this.originAllowed(origin, route)) {
      return sendProxyError(res, 'ORIGIN_FORBIDDEN', { values: { origin } });
    }
    if (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE') {
      return sendProxyError(res, 'METHOD_NOT_ALLOWED', {
        values: { method: req.method ?? '' },
        headers: { allow: 'GET, POST, DELETE' },
      });
    }
    const caller = await this.authenticate(req, res, route);
    if (!caller) return;

    const versionHeader = firstHeader(req.headers['mcp-protocol-version']);
    if (versionHeader !== undefined && !isSupportedVersion(versionHeader)) {
      return sendProxyError(res, 'UNSUPPORTED_VERSION', {
        values: { version: versionHeader, supported: SUPPORTED_VERSIONS.join(', ') },
      });
    }
    if (req.method === 'POST') return this.post(req, res, caller, versionHeader, requestId);
    const session = await this.session(req, res, caller, versionHeader);
    if (!session) return;
    if (req.method === 'GET') {
      if (!acceptsSse(firstHeader(req.headers.accept))) return sendProxyError(res, 'NOT_ACCEPTABLE');
      this.streams.open(
        caller.gateway,
        new SseWriter(res, { 'mcp-session-id': firstHeader(req.headers['mcp-session-id'])! }),
      );
      return;
    }
    // DELETE: refuse this session id on every replica until it would have expired anyway.
    const ttl = Math.max(1, session.expiresAt - Math.floor(Date.now() / 1000));
    await this.deps.bus.revocations.add(session.sid, ttl).catch((err: unknown) => {
      this.deps.log.warn({ err: (err as Error).message }, 'could not record session revocation');
    });
    res.writeHead(200).end();
  }

  private originAllowed(origin: string, route: GatewayRoute): boolean {
    if (this.deps.allowedOrigins.includes('*') || this.deps.allowedOrigins.includes(origin)) return true;
    try {
      return new URL(origin).origin === new URL(route.resourceUrl).origin;
    } catch {
      return false;
    }
  }

  /**
   * Finds the gateway and authenticates the caller. Unknown tenants, unknown gateways and other
   * tenants' tokens all look the same to a caller without a valid token of this tenant.
   */
  private async authenticate(
    req: IncomingMessage,
    res: ServerResponse,
    route: GatewayRoute,
  ): Promise<Caller | undefined> {
    let lookup;
    try {
      lookup = await this.deps.store.get(route.tenantSlug, route.gatewaySlug);
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message }, 'gateway configuration unavailable');
      sendProxyError(res, 'UNAVAILABLE', { headers: { 'retry-after': '2' } });
      return undefined;
    }
    const authorization = firstHeader(req.headers.authorization);
    const challenge = (error?: string) => ({
      'www-authenticate': `Bearer resource_metadata="${route.metadataUrl}"${error ? `, error="${error}"` : ''}`,
    });
    if (lookup.kind === 'missing' && lookup.what === 'tenant') {
      sendProxyError(res, authorization ? 'INVALID_TOKEN' : 'UNAUTHORIZED', {
        headers: challenge(authorization ? 'invalid_token' : undefined),
      });
      return undefined;
    }
    const tenantId = lookup.kind === 'found' ? lookup.gateway.snapshot.tenant.id : lookup.tenantId!;
    const gateway = lookup.kind === 'found' ? lookup.gateway.snapshot.gateway : undefined;
    const result = await this.deps.auth.authenticate(authorization, {
      tenantId,
      gatewayId: gateway?.id ?? '',
      allowedMethods: gateway?.clientAuthMethods ?? ['api_token', 'oauth', 'idp_jwt'],
    });
    if (!result.ok) {
      const name = AUTH_FAILURE_ERROR[result.failure];
      const status = PROXY_ERRORS[name].status;
      sendProxyError(res, name, {
        values: { method: 'these' },
        headers: status === 401 ? challenge(result.failure === 'missing' ? undefined : 'invalid_token') : {},
      });
      return undefined;
    }
    if (lookup.kind === 'missing') {
      sendProxyError(res, 'GATEWAY_NOT_FOUND', { values: { gateway: route.gatewaySlug } });
      return undefined;
    }
    const principal = result.principal;
    if (
      lookup.gateway.snapshot.gateway.visibility === 'teams' &&
      !principal.orgWide &&
      !principal.teamIds.some((t) => lookup.gateway.snapshot.gateway.teamIds.includes(t))
    ) {
      sendProxyError(res, 'NOT_VISIBLE', { values: { gateway: route.gatewaySlug } });
      return undefined;
    }
    return { gateway: lookup.gateway, principal };
  }

  /** Opens and checks the session a request presents; answers the error itself when it fails. */
  private async session(
    req: IncomingMessage,
    res: ServerResponse,
    caller: Caller,
    versionHeader: string | undefined,
  ): Promise<SessionClaims | undefined> {
    const sessionId = firstHeader(req.headers['mcp-session-id']);
    if (!sessionId) {
      sendProxyError(res, 'SESSION_REQUIRED');
      return undefined;
    }
    const { snapshot } = caller.gateway;
    const opened = openSession(this.deps.sessionKeys, sessionId, {
      tenantId: snapshot.tenant.id,
      gatewayId: snapshot.gateway.id,
    });
    // A session is bound to whoever opened it: another principal's request finds nothing here.
    if (!opened.ok || opened.claims.principal !== caller.principal.id) {
      sendProxyError(res, 'SESSION_NOT_FOUND');
      return undefined;
    }
    const revoked = await this.deps.bus.revocations.has(opened.claims.sid).catch(() => false);
    if (revoked) {
      sendProxyError(res, 'SESSION_NOT_FOUND');
      return undefined;
    }
    if (versionHeader !== undefined && versionHeader !== opened.claims.protocolVersion) {
      sendProxyError(res, 'VERSION_MISMATCH', {
        values: { version: versionHeader, session: opened.claims.protocolVersion },
      });
      return undefined;
    }
    return opened.claims;
  }

  private async post(
    req: IncomingMessage,
    res: ServerResponse,
    caller: Caller,
    versionHeader: string | undefined,
    requestId: string,
  ): Promise<void> {
    const accept = firstHeader(req.headers.accept);
    if (!acceptsJson(accept) && !acceptsSse(accept)) return sendProxyError(res, 'NOT_ACCEPTABLE');
    const contentType = firstHeader(req.headers['content-type']) ?? '';
    if (!/^application\/json\b/i.test(contentType)) return sendProxyError(res, 'UNSUPPORTED_MEDIA_TYPE');

    let body: Buffer;
    try {
      body = await readBody(req, this.deps.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        res.setHeader('connection', 'close');
        return sendProxyError(res, 'BODY_TOO_LARGE', { values: { limit: this.deps.maxBodyBytes } });
      }
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return sendProxyError(res, 'PARSE_ERROR', { values: { detail: (err as Error).message } });
    }
    if (Array.isArray(parsed)) return sendProxyError(res, 'BATCH_NOT_SUPPORTED');
    let message;
    try {
      message = classifyMessage(parsed);
    } catch (err) {
      const e = err as JsonRpcError;
      return sendJson(res, 400, errorMessage(idOf(parsed), e.toObject()));
    }

    if (message.kind === 'request' && message.message.method === 'initialize') {
      return this.initialize(res, caller, message.message);
    }
    const stateless = versionHeader !== undefined && isStatelessVersion(versionHeader);
    const session = stateless ? undefined : await this.session(req, res, caller, versionHeader);
    if (!stateless && !session) return;
    const sessionKey = session?.sid ?? `stateless:${caller.principal.id}`;

    if (message.kind === 'response') {
      const m = message.message;
      this.calls.settle(sessionKey, m.id, { result: m.result, error: m.error });
      res.writeHead(202).end();
      return;
    }
    if (message.kind === 'notification') {
      const m = message.message;
      if (m.method === 'notifications/cancelled' && m.params && 'requestId' in m.params) {
        this.calls.cancel(
          sessionKey,
          m.params.requestId as string | number,
          m.params.reason as string | undefined,
        );
      }
      res.writeHead(202).end();
      return;
    }
    await this.request(res, caller, message.message, {
      sessionKey,
      clientCapabilities: session?.clientCapabilities ?? {},
      acceptsSse: acceptsSse(accept),
      headers: req.headers,
      requestId,
    });
  }

  private initialize(res: ServerResponse, caller: Caller, message: JsonRpcRequestMessage): void {
    const params = message.params ?? {};
    const version = negotiateVersion(params.protocolVersion);
    const { snapshot } = caller.gateway;
    const clientInfo = params.clientInfo as { name: string; version: string } | undefined;
    const { id } = issueSession(this.deps.sessionKeys, {
      tenantId: snapshot.tenant.id,
      gatewayId: snapshot.gateway.id,
      principal: caller.principal.id,
      protocolVersion: version,
      clientCapabilities: (params.capabilities as Record<string, unknown> | undefined) ?? {},
      ...(clientInfo?.name
        ? { clientInfo: { name: String(clientInfo.name), version: String(clientInfo.version ?? '') } }
        : {}),
    });
    sendJson(
      res,
      200,
      resultMessage(message.id, {
        protocolVersion: version,
        capabilities: { tools: { listChanged: true }, logging: {} },
        serverInfo: {
          name: `toolgate/${snapshot.tenant.slug}/${snapshot.gateway.slug}`,
          title: snapshot.gateway.name,
          version: this.deps.serverVersion,
        },
        ...(snapshot.gateway.description ? { instructions: snapshot.gateway.description } : {}),
      }),
      { 'mcp-session-id': id },
    );
  }

  private async request(
    res: ServerResponse,
    caller: Caller,
    message: JsonRpcRequestMessage,
    context: {
      sessionKey: string;
      clientCapabilities: Record<string, unknown>;
      acceptsSse: boolean;
      headers: IncomingMessage['headers'];
      requestId: string;
    },
  ): Promise<void> {
    const { gateway } = caller;
    switch (message.method) {
      case 'ping':
      case 'logging/setLevel':
        return sendJson(res, 200, resultMessage(message.id, {}));
      case 'tools/list':
        return sendJson(res, 200, resultMessage(message.id, { tools: gateway.listedTools }));
      case 'tools/call':
        return this.deps.tools.call(res, caller.gateway, caller.principal, message, context, this.calls);
      default:
        return sendJson(
          res,
          200,
          errorMessage(message.id, {
            code: RPC.METHOD_NOT_FOUND,
            message: `Method not found: ${message.method}`,
          }),
        );
    }
  }
}
