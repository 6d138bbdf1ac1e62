import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import type { SnapshotTool } from '@toolgate/core/snapshot';
import {
  errorMessage,
  JsonRpcError,
  resultMessage,
  RPC,
  type JsonRpcRequestMessage,
} from '@toolgate/mcp/jsonrpc';
import { isStatelessVersion } from '@toolgate/mcp/protocol';
import { forwardedTraceHeaders } from '@toolgate/mcp/trace-context';
import { UpstreamError, type UpstreamPool, type UpstreamTarget } from '@toolgate/mcp/upstream';
import type { PreparedGateway } from '../config/snapshot-store.ts';
import type { McpCall } from '../mcp-call.ts';
import { upstreamErrorToRpc } from '../backend/upstream-errors.ts';
import { passthroughHeaders, resolveInstallation, type UpstreamTargets } from '../backend/upstream-target.ts';
import type { CallRegistry } from './call-registry.ts';
import type { Responder } from './responder.ts';
import type { GuardrailGate } from './guardrail-gate.ts';
import {
  MAX_TASK_TTL_MS,
  openTaskId,
  sealTaskId,
  TASK_INDEX_MAX,
  taskExpiry,
  taskIndexKey,
  unknownTask,
  type TaskClaim,
  type TaskOwner,
} from './task-ids.ts';
import { modernTask, relatedTo, withTaskId } from './task-shapes.ts';

type Result = Record<string, unknown>;

/** The tasks extension of 2026-07-28 (SEP-2663). */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

const isObject = (v: unknown): v is Result => typeof v === 'object' && v !== null && !Array.isArray(v);

const offers = new WeakMap<PreparedGateway, boolean>();
/** Whether some tool the gateway serves may run as a task (its upstream said so at discovery). */
export function offersTasks(gateway: PreparedGateway): boolean {
  let known = offers.get(gateway);
  if (known === undefined) {
    known = gateway.snapshot.tools.some(
      (t) => taskSupport(t) !== 'forbidden' && !gateway.refusedEntries.has(t.entryId),
    );
    offers.set(gateway, known);
  }
  return known;
}

const taskSupport = (tool: SnapshotTool): string => {
  const support = tool.execution?.taskSupport;
  return support === 'optional' || support === 'required' ? support : 'forbidden';
};

/** 2025-11-25 `initialize` capabilities: tasks, when some upstream tool runs as one. */
export const tasksCapability = (gateway: PreparedGateway): Result =>
  offersTasks(gateway) ? { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } : {};

/** 2026-07-28 `server/discover` capabilities: the tasks extension, on the same condition. */
export const tasksExtension = (gateway: PreparedGateway): Result =>
  offersTasks(gateway) ? { extensions: { [TASKS_EXTENSION]: {} } } : {};

const missingCapability = () =>
  new JsonRpcError(-32021, 'Missing required client capability', {
    requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
  });

const declaresExtension = (call: McpCall): boolean => {
  const extensions = call.session.clientCapabilities.extensions;
  return isObject(extensions) && isObject(extensions[TASKS_EXTENSION]);
};

const ownerOf = (call: McpCall): TaskOwner => ({
  tenantId: call.caller.gateway.snapshot.tenant.id,
  gatewayId: call.caller.gateway.snapshot.gateway.id,
  principalId: call.caller.principal.id,
});

interface Route {
  claim: TaskClaim;
  tool: SnapshotTool;
  target: UpstreamTarget;
  upstreamName: string;
}

export interface TaskRouterDeps {
  pool: UpstreamPool;
  targets: UpstreamTargets;
  /** Seals task ids (the session key ring). */
  keys: KeyRing;
  /** Keeps each caller's task ids for `tasks/list`, on every replica. */
  bus: Bus;
  log?: Logger;
  /** How long a server→client request relayed during `tasks/result` waits for the client. */
  clientRequestTimeoutMs: number;
  /** Guardrails on results: a task's result passes them as a direct call's does. */
  guardrails?: GuardrailGate;
}

/**
 * MCP tasks through the gateway. Upstreams speak 2025-11-25 tasks (SEP-1686); the gateway hands
 * clients sealed task ids instead of theirs (tenant, gateway, caller, tool, installation,
 * upstream id, expiry), so any replica can route `tasks/*` back to the upstream session that owns
 * the task, and nobody else's id, a forged one or an expired one is ever honoured. 2026-07-28
 * clients (the tasks extension, SEP-2663) get the same tasks in that revision's shapes.
 */
export class TaskRouter {
  constructor(private readonly deps: TaskRouterDeps) {}

  /**
   * The `task` to send upstream with a tools/call, or undefined for a plain call. A 2025 client
   * asks for one (`params.task`); for a 2026-07-28 client that declares the extension the gateway
   * decides, as a server does: when the tool may run as a task and its upstream serves tasks.
   */
  async augment(call: McpCall, tool: SnapshotTool, target: UpstreamTarget, params: Result) {
    if (!isStatelessVersion(call.session.protocolVersion)) {
      if (!isObject(params.task)) return undefined;
      const ttl = params.task.ttl;
      return typeof ttl === 'number' && ttl > 0 ? { ttl: Math.min(ttl, MAX_TASK_TTL_MS) } : {};
    }
    const support = taskSupport(tool);
    if (support === 'forbidden') return undefined;
    if (!declaresExtension(call)) {
      if (support === 'required') throw missingCapability();
      return undefined;
    }
    const info = await this.deps.pool.serverInfo(target);
    const tasks = isObject(info.capabilities) ? info.capabilities.tasks : undefined;
    const requests = isObject(tasks) ? tasks.requests : undefined;
    const tools = isObject(requests) ? requests.tools : undefined;
    return isObject(tools) && isObject(tools.call) ? {} : undefined;
  }

  /**
   * An upstream's answer to a task-augmented tools/call, for the client: its task under a sealed
   * gateway id (kept in the caller's index), or the answer as it is when the upstream ran the
   * call without a task.
   */
  async adopt(call: McpCall, tool: string, installationId: string, result: Result): Promise<Result> {
    const task = result.task;
    if (!isObject(task) || typeof task.taskId !== 'string') return result;
    const owner = ownerOf(call);
    const exp = taskExpiry(task.ttl);
    const id = sealTaskId(this.deps.keys, {
      ...owner,
      tool,
      installationId,
      upstreamTaskId: task.taskId,
      exp,
    });
    try {
      await this.deps.bus.streamEvents.append(
        taskIndexKey(owner),
        id,
        Math.ceil(MAX_TASK_TTL_MS / 1000),
        TASK_INDEX_MAX,
      );
    } catch (err) {
      // The task exists upstream: its id still works, it is only missing from tasks/list.
      this.deps.log?.warn({ err: (err as Error).message }, 'could not index a task for tasks/list');
    }
    if (!isStatelessVersion(call.session.protocolVersion)) return { ...result, task: withTaskId(task, id) };
    const { task: _task, ...rest } = result;
    return { ...rest, resultType: 'task', ...modernTask(task, id) };
  }

  /** `tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel` and `tasks/update`. */
  async handle(
    call: McpCall,
    message: JsonRpcRequestMessage,
    calls: CallRegistry,
    responder: Responder,
  ): Promise<void> {
    const reply = (result: Result) => responder.reply(resultMessage(message.id, result));
    const modern = isStatelessVersion(call.session.protocolVersion);
    const { method } = message;
    const params = message.params ?? {};
    try {
      // 2026-07-28 has no tasks/list or tasks/result; 2025-11-25 has no tasks/update.
      if (modern ? method === 'tasks/list' || method === 'tasks/result' : method === 'tasks/update')
        throw new JsonRpcError(RPC.METHOD_NOT_FOUND, `Method not found: ${method}`);
      if (modern && !declaresExtension(call)) throw missingCapability();
      if (method === 'tasks/list') return reply(await this.list(call, params));
      const route = this.route(call, openTaskId(this.deps.keys, params.taskId, ownerOf(call)));
      const id = params.taskId as string;
      if (call.usage) {
        call.usage.toolName = route.claim.tool;
        call.usage.installationId = route.claim.installationId;
      }
      switch (method) {
        case 'tasks/get': {
          const task = await this.forward(call, route, 'tasks/get', id);
          return reply(modern ? await this.detailed(call, route, task, id) : withTaskId(task, id));
        }
        case 'tasks/cancel': {
          const task = await this.forward(call, route, 'tasks/cancel', id);
          return reply(modern ? {} : withTaskId(task, id));
        }
        case 'tasks/update':
          // The gateway surfaces no input requests for tasks, so no key is outstanding: the
          // extension says to ignore such responses, and the acknowledgement is empty.
          return reply({});
        case 'tasks/result':
          return reply(await this.result(call, route, id, message, calls, responder));
      }
      throw new JsonRpcError(RPC.METHOD_NOT_FOUND, `Method not found: ${method}`);
    } catch (err) {
      if (!(err instanceof JsonRpcError)) throw err;
      responder.reply(errorMessage(message.id, err.toObject()));
    }
  }

  /**
   * The caller's own tasks (2025-11-25 `tasks/list`). Upstream sessions are shared between callers,
   * so the upstream's own list is never relayed: the gateway keeps, per caller, the ids it issued
   * (bounded, newest last) and asks each task's upstream for its state; tasks the upstream forgot
   * are left out. One page: the index is bounded, so no cursor is ever issued.
   */
  private async list(call: McpCall, params: Result): Promise<Result> {
    if (params.cursor !== undefined)
      throw new JsonRpcError(RPC.INVALID_PARAMS, 'Invalid params: unknown cursor (tasks/list has one page)');
    const owner = ownerOf(call);
    const ids = [...new Set(await this.deps.bus.streamEvents.read(taskIndexKey(owner)))];
    const tasks = await Promise.all(
      ids.map(async (id) => {
        try {
          const route = this.route(call, openTaskId(this.deps.keys, id, owner));
          return withTaskId(await this.forward(call, route, 'tasks/get', id), id);
        } catch (err) {
          if (err instanceof JsonRpcError) return undefined;
          throw err;
        }
      }),
    );
    return { tasks: tasks.filter((t) => t !== undefined) };
  }

  /**
   * The upstream that owns a task, reached as the original call was: the tool must still be
   * served to this caller by the same installation (access taken away ends access to its tasks).
   */
  private route(call: McpCall, claim: TaskClaim): Route {
    const { gateway, principal } = call.caller;
    const tool = gateway.toolByName.get(claim.tool);
    const upstream = tool && gateway.upstreams.get(tool.entryId);
    if (!tool || !upstream || tool.synthetic || upstream.transport === 'builtin') throw unknownTask();
    if (gateway.refusedEntries.has(tool.entryId)) throw unknownTask();
    const installation = resolveInstallation(gateway, tool, principal);
    if (installation?.id !== claim.installationId) throw unknownTask();
    return {
      claim,
      tool,
      // As the caller (a `jwt` upstream gets their own token).
      target: this.deps.targets.forInstallation(upstream, installation, principal),
      upstreamName: upstream.name,
    };
  }

  /** One tasks/* request to the owning upstream, with the upstream's id; errors as JSON-RPC errors. */
  private async forward(
    call: McpCall,
    route: Route,
    method: string,
    id: string,
    hooks: Parameters<UpstreamPool['request']>[3] = {},
  ): Promise<Result> {
    const upstreamId = route.claim.upstreamTaskId;
    try {
      return await this.deps.pool.request(
        route.target,
        method,
        { taskId: upstreamId },
        {
          headers: passthroughHeaders(call.caller.gateway.snapshot.gateway.headerAllowlist, call.headers),
          trace: forwardedTraceHeaders(call.headers),
          ...hooks,
        },
      );
    } catch (err) {
      const error = upstreamErrorToRpc(err, route.upstreamName);
      // The upstream's own words, about the id the client knows.
      const text =
        err instanceof UpstreamError && err.kind === 'rpc'
          ? error.message.split(upstreamId).join(id)
          : error.message;
      throw new JsonRpcError(error.code, text, error.data);
    }
  }

  /**
   * A 2026-07-28 `tasks/get`: the task with its outcome inlined (the upstream's tasks/result,
   * which answers at once for a finished task). A tool result, even `isError`, is `completed`;
   * a JSON-RPC error is `failed`. An upstream waiting for input shows `working`: its requests
   * are not surfaced to 2026-07-28 clients (yet).
   */
  private async detailed(call: McpCall, route: Route, task: Result, id: string): Promise<Result> {
    const status = task.status;
    if (status === 'input_required') return { ...modernTask(task, id), status: 'working' };
    if (status !== 'completed' && status !== 'failed') return modernTask(task, id);
    try {
      const result = await this.guarded(call, route, await this.forward(call, route, 'tasks/result', id));
      return {
        ...modernTask(task, id),
        status: 'completed',
        result: relatedTo(result, route.claim.upstreamTaskId, id),
      };
    } catch (err) {
      if (!(err instanceof JsonRpcError)) throw err;
      return { ...modernTask(task, id), status: 'failed', error: err.toObject() };
    }
  }

  /**
   * 2025-11-25 `tasks/result`: blocks until the task ends upstream, relaying what the upstream
   * sends the client meanwhile (status notifications, progress, its requests for input) with the
   * task named by the gateway's id.
   */
  private async result(
    call: McpCall,
    route: Route,
    id: string,
    message: JsonRpcRequestMessage,
    calls: CallRegistry,
    responder: Responder,
  ): Promise<Result> {
    const upstreamId = route.claim.upstreamTaskId;
    const sessionKey = call.session.key;
    const tracked = calls.track(sessionKey, message.id);
    responder.onAbort(() => calls.cancel(sessionKey, message.id, 'client disconnected'));
    try {
      const result = await this.forward(call, route, 'tasks/result', id, {
        signal: tracked.signal,
        onNotification: responder.canStream
          ? (n) => {
              if (n.method === 'notifications/message') return;
              responder.send(relatedTo({ ...n }, upstreamId, id));
            }
          : undefined,
        onRequest: responder.canStream
          ? async (r) => {
              const pending = calls.awaitClient(sessionKey, this.deps.clientRequestTimeoutMs);
              const relayed = relatedTo({ method: r.method, params: r.params }, upstreamId, id);
              responder.send({ jsonrpc: '2.0', id: pending.id, ...relayed });
              return pending.response;
            }
          : undefined,
      });
      return relatedTo(await this.guarded(call, route, result), upstreamId, id);
    } finally {
      tracked.done();
    }
  }

  /** A task's tool result through the guardrails on results (a tool error where they block it). */
  private async guarded(call: McpCall, route: Route, result: Result): Promise<Result> {
    const guardrails = this.deps.guardrails;
    if (!guardrails?.applies(call.caller.gateway, 'results')) return result;
    const checked = await guardrails.check(call, route.tool, 'results', result);
    return checked.go
      ? (checked.value as Result)
      : { content: [{ type: 'text', text: checked.text }], isError: true };
  }
}
