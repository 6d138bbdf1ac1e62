import {
  type ClientMessage,
  errorMessage,
  JsonRpcError,
  resultMessage,
  RPC,
  type JsonRpcRequestMessage,
} from '@toolgate/mcp/jsonrpc';
import { isStatelessVersion, SUPPORTED_VERSIONS } from '@toolgate/mcp/protocol';
import type { PreparedGateway } from '../config/snapshot-store.ts';
import type { McpCall } from '../mcp-call.ts';
import type { SessionChannel } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { CallRegistry } from './call-registry.ts';
import { ClientRelay } from './client-relay.ts';
import type { Catalog } from './catalog.ts';
import { routeToolCall } from './meta-tools.ts';
import { paginate } from './pagination.ts';
import { isLogLevel, LOG_LEVELS, type SessionLogLevels } from './log-levels.ts';
import type { Responder } from './responder.ts';
import type { ToolCaller } from './tool-caller.ts';
import { subscriptionUri, type SessionSubscriptions } from './session-subscriptions.ts';
import { tasksCapability, tasksExtension, type TaskRouter } from './tasks.ts';
import { PASSTHROUGH_METHODS, type PassthroughForwarder } from './passthrough.ts';
import type { PolicyGate } from './policy-gate.ts';

export interface DispatcherDeps {
  tools: ToolCaller;
  catalog: Catalog;
  serverVersion: string;
  /** tools/list page size. */
  listPageSize: number;
  /** How long 2026-07-28 clients may reuse `tools/list` and `server/discover` results. */
  listTtlMs: number;
  /** Where `logging/setLevel` keeps each session's level. */
  logLevels: SessionLogLevels;
  /** Other replicas: client answers and cancellations for calls running elsewhere travel here. */
  replicas?: { channel: SessionChannel; log: Logger };
  /** Where resources/subscribe keeps each session's subscriptions (any replica's stream follows them). */
  subscriptions: SessionSubscriptions;
  /** MCP tasks (`tasks/*`), when the proxy serves them. */
  tasks?: TaskRouter;
  /** Pass-through gateways' lists and reads, asked of their one server with the caller's token. */
  passthrough?: PassthroughForwarder;
  /** Tool-call policies: identity-aware listing here, decisions in the tool caller. */
  policies?: PolicyGate;
}

/**
 * How long a 2026-07-28 client may reuse a result, and with whom (caching, SEP-2549). Every
 * result is `private`: a gateway answers only authenticated callers, and what it lists depends on
 * who asks (their gateway access, their upstream credentials). The gateway's own lists
 * (`server/discover`, `tools/list`) come from its configuration, which it reloads the moment an
 * admin changes it; clients may keep them for `listTtlMs`. Prompts and resources are read live
 * from the upstreams with the caller's credential on every request, so they are never reused.
 */
function cacheHints(method: string, listTtlMs: number): { ttlMs: number; cacheScope: 'private' } | undefined {
  switch (method) {
    case 'server/discover':
    case 'tools/list':
      return { ttlMs: listTtlMs, cacheScope: 'private' };
    case 'prompts/list':
    case 'resources/list':
    case 'resources/templates/list':
    case 'resources/read':
      return { ttlMs: 0, cacheScope: 'private' };
    default:
      return undefined;
  }
}

/** 2026-07-28 results say whether they are complete, and the cacheable ones for how long. */
function modernResults(responder: Responder, method: string, listTtlMs: number): Responder {
  const hints = cacheHints(method, listTtlMs);
  return {
    canStream: responder.canStream,
    send: (m) => responder.send(m),
    onAbort: (l) => responder.onAbort(l),
    reply(message) {
      const m = message as { result?: Record<string, unknown> };
      responder.reply(
        m.result ? { ...m, result: { resultType: 'complete', ...m.result, ...hints } } : message,
      );
    },
  };
}

/** Methods the 2026-07-28 revision removed: a client of that era gets "method not found". */
const REMOVED_IN_2026 = new Set(['ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe']);

/**
 * One dispatcher for both transports: routes an admitted client request by method to the tool
 * caller, the catalog (prompts, resources, completions) or the gateway's own answers, and hands
 * every message it produces to the transport's responder. Admission has run already (the caller
 * is authenticated, may see the gateway, and its token's scopes cover the method).
 */
export class Dispatcher {
  /** Requests in flight and server→client requests awaiting the client, by session. */
  readonly calls = new CallRegistry();
  private readonly relay: ClientRelay | undefined;

  constructor(private readonly deps: DispatcherDeps) {
    if (deps.replicas) this.relay = new ClientRelay(this.calls, deps.replicas.channel, deps.replicas.log);
  }

  /** Starts hearing client messages that other replicas received for calls running here. */
  start(): Promise<void> {
    return this.relay?.start() ?? Promise.resolve();
  }

  close(): Promise<void> {
    return this.relay?.close() ?? Promise.resolve();
  }

  /** The `initialize` result for a negotiated version (each transport negotiates its own). */
  initializeResult(gateway: PreparedGateway, protocolVersion: string): Record<string, unknown> {
    return { protocolVersion, ...this.describe(gateway) };
  }

  /** What the gateway says about itself in `initialize`. */
  private describe(gateway: PreparedGateway): Record<string, unknown> {
    const { snapshot } = gateway;
    return {
      capabilities: {
        tools: { listChanged: true },
        logging: {},
        // Pass-through: whatever the one server offers is asked of it (it answers what it lacks).
        ...(snapshot.passthrough
          ? { prompts: {}, resources: {}, completions: {} }
          : this.deps.catalog.capabilities(gateway)),
        ...(this.deps.tasks ? tasksCapability(gateway) : {}),
      },
      serverInfo: this.serverInfo(gateway),
      ...(snapshot.gateway.description ? { instructions: snapshot.gateway.description } : {}),
    };
  }

  /**
   * `server/discover` (2026-07-28): the same gateway in the revision's terms. Server info moves to
   * `_meta`; capabilities name only what that era can use here: tool list changes (delivered on
   * `subscriptions/listen`), logging (per request), no resource subscriptions.
   */
  private discover(gateway: PreparedGateway): Record<string, unknown> {
    const { snapshot, listedPrompts, listedResourceServers } = gateway;
    const catalog = listedPrompts.length > 0 || listedResourceServers.length > 0;
    return {
      supportedVersions: [...SUPPORTED_VERSIONS],
      capabilities: {
        tools: { listChanged: true },
        // Log messages for requests that ask for them in `_meta` (at or above that level).
        logging: {},
        ...(listedPrompts.length > 0 ? { prompts: {} } : {}),
        ...(listedResourceServers.length > 0 ? { resources: {} } : {}),
        ...(catalog ? { completions: {} } : {}),
        // Extensions upstreams offer through the gateway (tasks, SEP-2663).
        ...(this.deps.tasks ? tasksExtension(gateway) : {}),
      },
      ...(snapshot.gateway.description ? { instructions: snapshot.gateway.description } : {}),
      _meta: { 'io.modelcontextprotocol/serverInfo': this.serverInfo(gateway) },
    };
  }

  private serverInfo({ snapshot }: PreparedGateway) {
    return {
      name: `toolgate/${snapshot.tenant.slug}/${snapshot.gateway.slug}`,
      title: snapshot.gateway.name,
      version: this.deps.serverVersion,
    };
  }

  /** A session ended (DELETE, or its legacy stream closed): its subscriptions go with it. */
  sessionEnded(sid: string): void {
    void this.deps.subscriptions.forget(sid).catch(() => undefined);
  }

  /** A client's response to a server→client request, or a client notification. */
  onClientMessage(sessionKey: string, message: Exclude<ClientMessage, { kind: 'request' }>): void {
    if (message.kind === 'response') {
      const { id, result, error } = message.message;
      if (this.relay) this.relay.response(sessionKey, id, { result, error });
      else this.calls.settle(sessionKey, id, { result, error });
      return;
    }
    const { method, params } = message.message;
    if (method === 'notifications/cancelled' && params) {
      const { requestId, reason } = params;
      if (typeof requestId === 'string' || typeof requestId === 'number') {
        const why = typeof reason === 'string' ? reason : undefined;
        if (this.relay) this.relay.cancel(sessionKey, requestId, why);
        else this.calls.cancel(sessionKey, requestId, why);
      }
    }
  }

  /** Runs one client request (not `initialize`, which the transports answer). */
  async dispatch(call: McpCall, message: JsonRpcRequestMessage, responder: Responder): Promise<void> {
    const stateless = isStatelessVersion(call.session.protocolVersion);
    if (stateless) responder = modernResults(responder, message.method, this.deps.listTtlMs);
    const reply = (result: Record<string, unknown>) => responder.reply(resultMessage(message.id, result));
    const { gateway, principal, subjectToken } = call.caller;
    const params = message.params ?? {};
    const { catalog } = this.deps;
    try {
      if (stateless && REMOVED_IN_2026.has(message.method)) throw methodNotFound(message.method);
      if (gateway.snapshot.passthrough && this.deps.passthrough && PASSTHROUGH_METHODS.has(message.method))
        return reply(await this.deps.passthrough.forward(call, message.method, params));
      switch (message.method) {
        case 'ping':
          return reply({});
        case 'logging/setLevel':
          if (!isLogLevel(params.level))
            throw new JsonRpcError(
              RPC.INVALID_PARAMS,
              `Invalid params: "level" must be one of ${LOG_LEVELS.join(', ')}`,
            );
          await this.deps.logLevels.set(call.session.key, params.level);
          return reply({});
        case 'server/discover':
          return reply(this.discover(gateway));
        case 'tools/list': {
          const listed =
            this.deps.policies?.visible(gateway, principal, call.session, gateway.listedTools) ??
            gateway.listedTools;
          const { page, nextCursor } = paginate(listed, params.cursor, this.deps.listPageSize);
          return reply(nextCursor ? { tools: page, nextCursor } : { tools: page });
        }
        case 'tools/call': {
          let request = message;
          // Search exposure: the gateway's own tools answer here or unwrap to the tool they name.
          if (gateway.toolSearch) {
            const { policies } = this.deps;
            const visible = policies
              ? (name: string) => {
                  const tool = gateway.toolByName.get(name);
                  return !tool || !policies.hidden(gateway, principal, call.session, tool);
                }
              : undefined;
            const route = routeToolCall(gateway.toolSearch, gateway.toolByName, message, call.usage, visible);
            if ('reply' in route) return responder.reply(route.reply);
            request = route.call;
          }
          return await this.deps.tools.call(call, request, this.calls, responder);
        }
        case 'prompts/list':
          return reply(await catalog.listPrompts(gateway, principal, subjectToken));
        case 'prompts/get':
          return reply(await catalog.getPrompt(gateway, principal, params, subjectToken));
        case 'resources/list':
          return reply(await catalog.listResources(gateway, principal, undefined, subjectToken));
        case 'resources/templates/list':
          return reply(await catalog.listResourceTemplates(gateway, principal, subjectToken));
        case 'resources/read':
          return reply(
            await catalog.forUri(gateway, principal, message.method, params, undefined, subjectToken),
          );
        case 'resources/subscribe': {
          const uri = subscriptionUri(params);
          const owner = await catalog.resourceOwner(gateway, principal, uri, subjectToken);
          await catalog.requireSubscribable(owner, uri);
          await this.deps.subscriptions.change(call.session.key, { op: 'add', uri });
          return reply({});
        }
        case 'resources/unsubscribe':
          await this.deps.subscriptions.change(call.session.key, {
            op: 'remove',
            uri: subscriptionUri(params),
          });
          return reply({});
        case 'completion/complete':
          return reply(await catalog.complete(gateway, principal, params, subjectToken));
        case 'tasks/get':
        case 'tasks/result':
        case 'tasks/list':
        case 'tasks/cancel':
        case 'tasks/update':
          if (this.deps.tasks) return await this.deps.tasks.handle(call, message, this.calls, responder);
          break;
      }
      throw methodNotFound(message.method);
    } catch (err) {
      if (!(err instanceof JsonRpcError)) throw err;
      responder.reply(errorMessage(message.id, err.toObject()));
    }
  }
}

const methodNotFound = (method: string) =>
  new JsonRpcError(RPC.METHOD_NOT_FOUND, `Method not found: ${method}`);
