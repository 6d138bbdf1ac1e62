import {
  errorMessage,
  JsonRpcError,
  resultMessage,
  RPC,
  type JsonRpcRequestMessage,
} from '@toolgate/mcp/jsonrpc';
import { forwardedTraceHeaders } from '@toolgate/mcp/trace-context';
import { isStatelessVersion } from '@toolgate/mcp/protocol';
import {
  type RequestOptions as UpstreamRequestOptions,
  UpstreamError,
  type UpstreamPool,
} from '@toolgate/mcp/upstream';
import type { Logger } from '@toolgate/core/logger';
import type { McpCall } from '../mcp-call.ts';
import type { BuiltinServers } from '../backend/builtin-servers.ts';
import type { Catalog } from './catalog.ts';
import type { CallRegistry } from './call-registry.ts';
import type { InputBridge } from './input-bridge.ts';
import { LogFilter, type SessionLogLevels } from './log-levels.ts';
import type { Observability } from '../observability/observability.ts';
import type { TraceSpan } from '../observability/tracing.ts';
import type { Responder } from './responder.ts';
import type { TaskRouter } from './tasks.ts';
import { type ConnectionRenewal, isUnauthorized } from '../backend/connection-renewal.ts';
import { connectionRequired, connectPageUrl } from '../backend/connection-required.ts';
import { stdioRefusal } from '../backend/stdio-policy.ts';
import { logUpstreamFailure, upstreamErrorToRpc, upstreamMeta } from '../backend/upstream-errors.ts';
import { passthroughHeaders, type UpstreamTargets } from '../backend/upstream-target.ts';
import { passthroughTool } from './passthrough.ts';
import { answerResourceTool } from './resource-tools.ts';
import type { PolicyGate } from './policy-gate.ts';
import type { GuardrailGate } from './guardrail-gate.ts';
import { resolveCredential, type ResolvedCredential } from './credential-resolver.ts';
import { limitErrorOf, type CallLimits } from './call-limits.ts';
import { finishToolCall, ownerOf, toolError } from './tool-result.ts';

export interface ToolCallerDeps {
  pool: UpstreamPool;
  targets: UpstreamTargets;
  catalog: Catalog;
  /** Spans for the call, credential resolution and upstream request, when tracing is on. */
  observability?: Observability;
  /** How long a server→client request waits for the client's answer. */
  clientRequestTimeoutMs?: number;
  /** Servers Toolgate answers itself (the management server). */
  builtin?: BuiltinServers;
  /** Where failed upstream calls are logged, once each. */
  log?: Logger;
  /** Input requests of upstreams, for 2026-07-28 clients (multi-round-trip requests). */
  inputs?: InputBridge;
  /** Each 2025-era session's `logging/setLevel`, applied to the log messages relayed to it. */
  logLevels?: SessionLogLevels;
  /** MCP tasks: task-augmented calls and the sealed ids of the tasks they create. */
  tasks?: TaskRouter;
  /** PUBLIC_WEB_URL: where callers connect their accounts at servers that use OAuth. */
  publicWebUrl?: string;
  /** Refreshes a connected account whose token the upstream refused, so the call is sent again. */
  renewal?: ConnectionRenewal;
  /** Tool-call policies: decided before anything is resolved; labels of tools called noted after. */
  policies?: PolicyGate;
  /** Guardrails: arguments checked before they go upstream, results before they reach the client. */
  guardrails?: GuardrailGate;
  /** Rate limits and quotas (admission/call-limits.ts). */
  limits?: CallLimits;
}

/** tools/call: find the tool, pick the caller's credential, call upstream, relay what happens. */
export class ToolCaller {
  private readonly pool: UpstreamPool;
  private readonly targets: UpstreamTargets;
  private readonly catalog: Catalog;
  private readonly observability?: Observability;
  private readonly clientRequestTimeoutMs: number;
  private readonly builtin?: BuiltinServers;
  private readonly log?: Logger;
  private readonly inputs?: InputBridge;
  private readonly logLevels?: SessionLogLevels;
  private readonly tasks?: TaskRouter;
  private readonly publicWebUrl?: string;
  private readonly renewal?: ConnectionRenewal;
  private readonly policies?: PolicyGate;
  private readonly guardrails?: GuardrailGate;
  private readonly limits?: CallLimits;

  constructor(deps: ToolCallerDeps) {
    this.pool = deps.pool;
    this.targets = deps.targets;
    this.catalog = deps.catalog;
    this.observability = deps.observability;
    this.clientRequestTimeoutMs = deps.clientRequestTimeoutMs ?? 120_000;
    this.builtin = deps.builtin;
    this.log = deps.log;
    this.inputs = deps.inputs;
    this.logLevels = deps.logLevels;
    this.tasks = deps.tasks;
    this.publicWebUrl = deps.publicWebUrl;
    this.renewal = deps.renewal;
    this.policies = deps.policies;
    this.guardrails = deps.guardrails;
    this.limits = deps.limits;
  }

  private child(parent: TraceSpan | undefined, name: string, client = false): TraceSpan | undefined {
    return parent && this.observability?.tracer?.tracing.child(parent, name, { client });
  }

  call(
    call: McpCall,
    message: JsonRpcRequestMessage,
    calls: CallRegistry,
    responder: Responder,
  ): Promise<void> {
    const span = this.observability?.tracer?.child(call.usage, 'mcp.tools.call');
    if (span === undefined) return this.run(call, message, calls, responder, undefined);
    return this.run(call, message, calls, responder, span).then(
      () => {
        const status = call.usage?.status;
        if (status) span.set('toolgate.status', status);
        if (status === 'error') span.fail(`JSON-RPC error ${call.usage?.errorCode ?? ''}`.trim());
        span.end();
      },
      (err: unknown) => {
        span.fail((err as Error).message);
        span.end();
        throw err;
      },
    );
  }

  private async run(
    call: McpCall,
    message: JsonRpcRequestMessage,
    calls: CallRegistry,
    responder: Responder,
    span: TraceSpan | undefined,
  ): Promise<void> {
    const { gateway, principal } = call.caller;
    const { usage } = call;
    const sessionKey = call.session.key;
    const params = message.params ?? {};
    const name = params.name;
    if (typeof name !== 'string' || name.length === 0) {
      return responder.reply(
        errorMessage(message.id, { code: RPC.INVALID_PARAMS, message: 'Invalid params: "name" is required' }),
      );
    }
    const tool = gateway.toolByName.get(name) ?? passthroughTool(gateway, name);
    if (!tool) {
      return responder.reply(
        errorMessage(message.id, { code: RPC.INVALID_PARAMS, message: `Unknown tool: ${name}` }),
      );
    }
    // Only names the gateway exposes reach the usage event: made-up ones would inflate rollups.
    if (usage) usage.toolName = name;
    span?.set('gen_ai.tool.name', name);
    const modern = this.inputs !== undefined && isStatelessVersion(call.session.protocolVersion);
    if (modern && params.requestState !== undefined) return this.resumeInput(call, message, responder, name);
    const clearance = await this.policies?.clearance({ call, tool, params, responder, calls, modern });
    if (clearance && !clearance.go) return responder.reply(toolError(message.id, clearance.text));
    const confirm = clearance?.confirm;
    const upstream = gateway.upstreams.get(tool.entryId)!;
    // No await (and no microtask) for gateways without guardrails: the common case.
    const guarded = this.guardrails?.applies(gateway, 'arguments')
      ? await this.guardrails.check(call, tool, 'arguments', params.arguments)
      : undefined;
    if (guarded && !guarded.go) return responder.reply(toolError(message.id, guarded.text));
    const args = guarded ? guarded.value : params.arguments;
    let resolved: ResolvedCredential;
    try {
      resolved = await resolveCredential(
        this.targets,
        { gateway, tool, principal, subjectToken: call.caller.subjectToken },
        this.child(span, 'mcp.credential.resolve'),
      );
    } catch (err) {
      // A credential made for the caller could not be had (an IdP that refused the exchange, a
      // signing key not loaded): the caller's error, told as an upstream one.
      if (!(err instanceof UpstreamError)) throw err;
      return responder.reply(errorMessage(message.id, upstreamErrorToRpc(err, upstream.name)));
    }
    const { installation, disabled, target } = resolved;
    if (usage && installation) usage.servedBy(installation, target?.runner?.variant === 'canary');
    if (!installation) {
      if (upstream.authKind === 'oauth' && this.publicWebUrl !== undefined) {
        const url = connectPageUrl(this.publicWebUrl, gateway.snapshot.tenant.slug, tool.entryId);
        return responder.reply(connectionRequired(message.id, call.session, upstream, url));
      }
      return responder.reply(
        toolError(
          message.id,
          `You have no connection to ${upstream.name} yet. Connect your own account for "${upstream.name}" in Toolgate, or ask an admin to install it for your team.`,
        ),
      );
    }
    // Listed thanks to another installation, but turned off on the one that serves this caller.
    if (disabled) {
      return responder.reply(
        toolError(
          message.id,
          `${name} is turned off on your connection to ${upstream.name} ("${installation.name}"). Turn it on in Toolgate, or ask an admin.`,
        ),
      );
    }
    // Not listed (TOOLGATE_ALLOW_STDIO is off), but called by name: refused like a blocked upstream.
    if (gateway.refusedEntries.has(tool.entryId)) {
      return responder.reply(errorMessage(message.id, upstreamErrorToRpc(stdioRefusal(), upstream.name)));
    }
    // Rate limits and the monthly quota: checked last, so calls refused above cost nothing.
    const limited = this.limits?.toolCall(gateway.limits, principal, installation, tool.upstreamName, name);
    const over = limited && (await limited);
    if (over) {
      usage?.limited(over.reason);
      return responder.reply(errorMessage(message.id, limitErrorOf(over)));
    }

    if (upstream.transport === 'builtin') {
      // Toolgate's own server: runs here, as the caller; its refusals are tool errors already.
      if (!this.builtin)
        return responder.reply(toolError(message.id, `${upstream.name} is not available on this proxy`));
      const result = await this.builtin.call(principal, tool.upstreamName, args);
      return finishToolCall(this.guardrails, call, tool, message.id, responder, result);
    }
    if (tool.synthetic) {
      let result: Record<string, unknown>;
      try {
        result = await answerResourceTool(this.catalog, call.caller, tool, args);
      } catch (err) {
        if (!(err instanceof JsonRpcError)) throw err;
        return responder.reply(toolError(message.id, err.message));
      }
      return finishToolCall(this.guardrails, call, tool, message.id, responder, result);
    }
    if (!target) throw new Error('no upstream target for a resolved installation');
    const tracked = calls.track(sessionKey, message.id);
    responder.onAbort(() => calls.cancel(sessionKey, message.id, 'client disconnected'));

    const upstreamParams: Record<string, unknown> = { name: tool.upstreamName };
    if (args !== undefined) upstreamParams.arguments = args;
    const meta = upstreamMeta(params._meta);
    if (meta) upstreamParams._meta = meta;

    const upstreamSpan = this.child(span, 'mcp.upstream.call', true);
    upstreamSpan?.set('toolgate.upstream.transport', target.transport);
    upstreamSpan?.set('toolgate.upstream.name', upstream.name);
    const failed = (err: unknown) => {
      upstreamSpan?.fail((err as Error).message);
      if (this.log)
        logUpstreamFailure(this.log, err, {
          target,
          method: 'tools/call',
          tool: tool.upstreamName,
          tenantId: gateway.snapshot.tenant.id,
          gatewayId: gateway.snapshot.gateway.id,
          installationId: installation.id,
          requestId: call.requestId,
        });
      return upstreamErrorToRpc(err, upstream.name);
    };
    // Made on the first notification: most calls have none.
    let logs: LogFilter | undefined;
    const newLogFilter = () =>
      new LogFilter(
        () =>
          modern
            ? Promise.resolve(call.session.logLevel)
            : (this.logLevels?.get(sessionKey) ?? Promise.resolve(undefined)),
        (n) => responder.send(n),
        // 2026-07-28: log messages only for a request that asked for them (`_meta` logLevel).
        modern,
      );
    // Replaced once if the upstream refuses an expired OAuth token and a refresh gets a new one.
    let current = target;
    const request = (onRequest: UpstreamRequestOptions['onRequest']) =>
      this.pool.request(current, 'tools/call', upstreamParams, {
        signal: tracked.signal,
        headers: passthroughHeaders(gateway.snapshot.gateway.headerAllowlist, call.headers),
        // Our span's context when tracing; else the caller's own, passed on as it came.
        trace: upstreamSpan
          ? this.observability!.tracer!.tracing.traceHeaders(upstreamSpan)
          : forwardedTraceHeaders(call.headers),
        onNotification: responder.canStream ? (n) => (logs ??= newLogFilter()).push(n) : undefined,
        onRequest,
      });
    const startedAt = new Date();
    const run = async (): Promise<void> => {
      // A task-augmented call: its task reaches the client under a sealed gateway id.
      const task = await this.tasks?.augment(call, tool, current, params);
      if (task) upstreamParams.task = task;
      const adopt = (result: Record<string, unknown>) =>
        task ? this.tasks!.adopt(call, name, installation.id, result) : result;
      if (modern) {
        // 2026-07-28: the upstream's requests for input become `input_required` answers.
        const held = this.inputs.start(
          async (ask) => (await confirm?.(ask)) ?? request((r) => ask(r.method, r.params)),
          failed,
        );
        const outcome = await held.next();
        await logs?.settled();
        const answer = await this.inputs.answerFor({ call: held }, outcome, ownerOf(call, name));
        await this.policies?.noteCalled(call, tool);
        return finishToolCall(this.guardrails, call, tool, message.id, responder, await adopt(answer));
      }
      const result = await request(
        responder.canStream
          ? async (r) => {
              const pending = calls.awaitClient(sessionKey, this.clientRequestTimeoutMs);
              responder.send({ jsonrpc: '2.0', id: pending.id, method: r.method, params: r.params });
              return pending.response;
            }
          : undefined,
      );
      // Everything the upstream sent before its answer goes out before it.
      await logs?.settled();
      await this.policies?.noteCalled(call, tool);
      await finishToolCall(this.guardrails, call, tool, message.id, responder, await adopt(result));
    };
    try {
      try {
        await run();
      } catch (err) {
        const renewed =
          upstream.authKind === 'oauth' && isUnauthorized(err)
            ? await this.renewal?.renew(gateway.snapshot.tenant.id, installation.id, startedAt)
            : undefined;
        if (renewed === undefined) throw err;
        if (renewed.kind === 'reconnect') {
          const url = connectPageUrl(this.publicWebUrl ?? '', gateway.snapshot.tenant.slug, tool.entryId);
          return responder.reply(connectionRequired(message.id, call.session, upstream, url, true));
        }
        current = this.targets.forInstallation(upstream, {
          ...installation,
          credentialsSealed: renewed.credentialsSealed,
        });
        await run();
      }
    } catch (err) {
      if (modern && err instanceof JsonRpcError)
        return responder.reply(errorMessage(message.id, err.toObject()));
      responder.reply(errorMessage(message.id, failed(err)));
    } finally {
      tracked.done();
      upstreamSpan?.end();
    }
  }

  /** A 2026-07-28 client's retry with `inputResponses`: the held call goes on, wherever it is. */
  private async resumeInput(
    call: McpCall,
    message: JsonRpcRequestMessage,
    responder: Responder,
    name: string,
  ): Promise<void> {
    const owner = ownerOf(call, name);
    const params = message.params ?? {};
    try {
      const resumed = await this.inputs!.resume(
        params.requestState,
        params.inputResponses,
        owner,
        this.clientRequestTimeoutMs,
      );
      const answer = await this.inputs!.answerFor(
        { id: resumed.held, call: resumed.call },
        resumed.outcome,
        owner,
      );
      const tool = call.caller.gateway.toolByName.get(name);
      await (tool
        ? finishToolCall(this.guardrails, call, tool, message.id, responder, answer)
        : responder.reply(resultMessage(message.id, answer)));
    } catch (err) {
      if (!(err instanceof JsonRpcError)) throw err;
      responder.reply(errorMessage(message.id, err.toObject()));
    }
  }
}
