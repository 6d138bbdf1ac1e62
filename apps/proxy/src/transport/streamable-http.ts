import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@toolgate/core/logger';
import { errorMessage, resultMessage, RPC, type JsonRpcRequestMessage } from '@toolgate/mcp/jsonrpc';
import {
  isStatelessVersion,
  isSupportedVersion,
  LATEST_STATEFUL_VERSION,
  negotiateVersion,
  SUPPORTED_VERSIONS,
} from '@toolgate/mcp/protocol';
import type { SessionClaims } from '@toolgate/mcp/session-token';
import type { Admission } from '../admission/admission.ts';
import { Sessions } from '../admission/sessions.ts';
import type { SnapshotStore } from '../config/snapshot-store.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import type { ProxyErrorName } from '../errors.ts';
import type { Caller } from '../mcp-call.ts';
import type { GatewayRoute } from '../routes.ts';
import type { UsageDraft, UsageMeter } from '../usage/meter.ts';
import { HttpResponder } from './http-responder.ts';
import { listen } from './listen.ts';
import { checkModernRequest } from './modern-request.ts';
import type { ResumableStreams } from './resumable-streams.ts';
import {
  acceptsJson,
  acceptsSse,
  firstHeader,
  readClientMessage,
  sendJson,
  sendProxyError,
  sendRefusal,
  SseWriter,
} from './http-util.ts';
import type { StreamHub } from './stream-hub.ts';

export interface StreamableHttpDeps {
  store: SnapshotStore;
  admission: Admission;
  sessions: Sessions;
  dispatcher: Dispatcher;
  /** One usage event per POSTed client message. */
  usage: UsageMeter;
  log: Logger;
  maxBodyBytes: number;
  /** SSE answers of 2025-11-25 sessions, resumable on any replica. */
  resumable: ResumableStreams;
  /** Open notification streams (GET and `subscriptions/listen`). */
  streams: StreamHub;
}

/** Answers with a proxy error and tells the message's usage event, if it has one. */
function refuse(
  res: ServerResponse,
  usage: UsageDraft | undefined,
  error: ProxyErrorName,
  options: { values?: Record<string, string>; headers?: Record<string, string>; data?: unknown } = {},
): void {
  sendRefusal(res, { error, ...options }, usage);
}

/**
 * The Streamable HTTP transport of every gateway (MCP 2025-03-26 … 2026-07-28): POSTed messages
 * answered as JSON or an SSE stream, a GET stream for list changes, DELETE to end a session.
 * Host and Origin were checked by the listener; admission and dispatch are called downward.
 */
export class StreamableHttpTransport {
  /** Open notification streams, told when a gateway's lists change. */
  readonly streams: StreamHub;

  constructor(private readonly deps: StreamableHttpDeps) {
    this.streams = deps.streams;
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    route: GatewayRoute,
    requestId: string,
  ): Promise<void> {
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
        const admitted = await this.deps.admission.admit(req.headers, route, usage);
        if (!admitted.ok) return sendRefusal(res, admitted.refusal, usage);
        const versionHeader = this.versionHeader(req, res, usage);
        if (versionHeader === false) return;
        return await this.post(req, res, admitted.caller, versionHeader, requestId, usage);
      } finally {
        this.deps.usage.finish(usage);
      }
    }
    const admitted = await this.deps.admission.admit(req.headers, route);
    if (!admitted.ok) return sendRefusal(res, admitted.refusal);
    const versionHeader = this.versionHeader(req, res);
    if (versionHeader === false) return;
    if (versionHeader !== undefined && isStatelessVersion(versionHeader)) {
      // 2026-07-28 has no GET stream and no sessions to end: every request is a POST.
      return refuse(res, undefined, 'METHOD_NOT_ALLOWED', {
        values: { method: req.method },
        headers: { allow: 'POST' },
      });
    }
    const session = await this.session(req, res, admitted.caller, versionHeader);
    if (!session) return;
    if (req.method === 'GET') {
      if (!acceptsSse(firstHeader(req.headers.accept))) return refuse(res, undefined, 'NOT_ACCEPTABLE');
      const lastEventId = firstHeader(req.headers['last-event-id']);
      if (lastEventId !== undefined) {
        // Resuming an answer's stream, on whichever replica: only the session's own streams.
        if (await this.deps.resumable.resume(res, session.sid, lastEventId)) return;
        return refuse(res, undefined, 'STREAM_NOT_FOUND', { values: { id: lastEventId.slice(0, 100) } });
      }
      this.streams.open(
        admitted.caller.gateway,
        new SseWriter(res, { 'mcp-session-id': firstHeader(req.headers['mcp-session-id'])! }),
        { principal: admitted.caller.principal, sessionKey: session.sid },
      );
      return;
    }
    // DELETE: refuse this session id on every replica until it would have expired anyway.
    if (!(await this.deps.sessions.end(session)))
      return refuse(res, undefined, 'REVOCATIONS_UNAVAILABLE', { headers: { 'retry-after': '2' } });
    this.deps.dispatcher.sessionEnded(session.sid);
    res.writeHead(200).end();
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
        // 2026-07-28: clients pick a version from `supported` and retry.
        data: { supported: [...SUPPORTED_VERSIONS], requested: versionHeader },
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
    const opened = await this.deps.sessions.open(sessionId, caller, 'streamable');
    if (!opened.ok) {
      refuse(
        res,
        usage,
        opened.problem,
        opened.problem === 'REVOCATIONS_UNAVAILABLE' ? { headers: { 'retry-after': '2' } } : {},
      );
      return undefined;
    }
    if (usage) usage.sessionId = opened.claims.sid;
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
      const refusal = this.deps.admission.scopeRefusal(caller, message.message.method);
      if (refusal) return sendRefusal(res, refusal, usage, message.message.id);
      // Limits on requests (tools/call's are checked once its tool and installation are known).
      const limited =
        message.message.method === 'tools/call' ? undefined : this.deps.admission.limitRefusal(caller);
      if (limited) {
        const over = await limited;
        if (over) return sendRefusal(res, over, usage, message.message.id);
      }
      if (message.message.method === 'initialize')
        return this.initialize(res, caller, message.message, usage);
    }
    const modern = checkModernRequest(req.headers, message);
    if ('error' in modern) {
      const error = errorMessage(message.kind === 'request' ? message.message.id : null, modern.error);
      return usage.reply(error, sendJson(res, modern.status, error));
    }
    let session: SessionClaims | undefined;
    if (modern.era === 'stateful') {
      session = await this.session(req, res, caller, versionHeader, usage);
      if (!session) return;
    }
    usage.declaredClient(modern.era === 'modern' ? modern.clientName : session?.clientInfo?.name);
    // Stateless requests share no session: each is its own scope (two clients of one token may
    // both send id 1).
    const sessionKey = session?.sid ?? `stateless:${requestId}`;

    if (message.kind !== 'request') {
      this.deps.dispatcher.onClientMessage(sessionKey, message);
      res.writeHead(202).end();
      return;
    }
    if (modern.era === 'modern' && message.message.method === 'subscriptions/listen') {
      if (!acceptsSse(accept)) return refuse(res, usage, 'NOT_ACCEPTABLE');
      return listen(res, caller, message.message, this.streams, usage);
    }
    const clientCapabilities =
      modern.era === 'modern' ? modern.clientCapabilities : session!.clientCapabilities;
    await this.deps.dispatcher.dispatch(
      {
        requestId,
        headers: req.headers,
        caller,
        session: {
          key: sessionKey,
          protocolVersion: session?.protocolVersion ?? '2026-07-28',
          clientCapabilities,
          ...(modern.era === 'modern' && modern.logLevel ? { logLevel: modern.logLevel } : {}),
          ...clientNameOf(modern.era === 'modern' ? modern.clientName : session?.clientInfo?.name),
        },
        usage,
      },
      message.message,
      new HttpResponder(res, {
        canStream: acceptsSse(accept),
        usage,
        modern: modern.era === 'modern',
        // Priming events (empty data) are 2025-11-25's: older clients may not expect them.
        ...(session?.protocolVersion === LATEST_STATEFUL_VERSION
          ? { resumable: { streams: this.deps.resumable, sid: session.sid } }
          : {}),
      }),
    );
  }

  /** `initialize`: negotiates a version and issues the sealed session id. */
  private initialize(
    res: ServerResponse,
    caller: Caller,
    message: JsonRpcRequestMessage,
    usage: UsageDraft,
  ): void {
    const params = message.params ?? {};
    usage.declaredClient((params.clientInfo as { name?: unknown } | undefined)?.name);
    const protocolVersion = negotiateVersion(params.protocolVersion);
    const problem = Sessions.capabilitiesProblem(params.capabilities);
    if (problem !== undefined) {
      const error = errorMessage(message.id, {
        code: RPC.INVALID_PARAMS,
        message: `Invalid params: ${problem}`,
      });
      return usage.reply(error, sendJson(res, 200, error));
    }
    const { id, claims } = this.deps.sessions.issue(caller, {
      protocolVersion,
      clientCapabilities: (params.capabilities as Record<string, unknown> | undefined) ?? {},
      clientInfo: params.clientInfo,
    });
    const reply = resultMessage(
      message.id,
      this.deps.dispatcher.initializeResult(caller.gateway, protocolVersion),
    );
    usage.sessionId = claims.sid;
    usage.reply(reply, sendJson(res, 200, reply, { 'mcp-session-id': id }));
  }
}

/** The client's declared name, for policies and the audit (capped like the sealed one). */
const clientNameOf = (name: string | undefined): { clientName?: string } =>
  name ? { clientName: name.slice(0, 256) } : {};
