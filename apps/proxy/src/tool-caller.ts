import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@toolgate/core/logger';
import {
  errorMessage,
  resultMessage,
  RPC,
  type JsonRpcErrorObject,
  type JsonRpcRequestMessage,
} from '@toolgate/mcp/jsonrpc';
import { UpstreamError, type UpstreamPool } from '@toolgate/mcp/upstream';
import type { Principal } from './auth/principal.ts';
import type { CallRegistry } from './call-registry.ts';
import { sendJson, SseWriter } from './http-util.ts';
import type { PreparedGateway } from './snapshot-store.ts';
import { passthroughHeaders, resolveInstallation, type UpstreamTargets } from './upstream-target.ts';

export interface CallContext {
  sessionKey: string;
  clientCapabilities: Record<string, unknown>;
  acceptsSse: boolean;
  headers: IncomingMessage['headers'];
  requestId: string;
}

/** tools/call: find the tool, pick the caller's credential, call upstream, relay what happens. */
export class ToolCaller {
  constructor(
    private readonly pool: UpstreamPool,
    private readonly targets: UpstreamTargets,
    private readonly log: Logger,
    private readonly clientRequestTimeoutMs = 120_000,
  ) {}

  async call(
    res: ServerResponse,
    gateway: PreparedGateway,
    principal: Principal,
    message: JsonRpcRequestMessage,
    context: CallContext,
    calls: CallRegistry,
  ): Promise<void> {
    const params = message.params ?? {};
    const name = params.name;
    if (typeof name !== 'string' || name.length === 0) {
      return sendJson(
        res,
        200,
        errorMessage(message.id, { code: RPC.INVALID_PARAMS, message: 'Invalid params: "name" is required' }),
      );
    }
    const tool = gateway.toolByName.get(name);
    if (!tool) {
      return sendJson(
        res,
        200,
        errorMessage(message.id, { code: RPC.INVALID_PARAMS, message: `Unknown tool: ${name}` }),
      );
    }
    const upstream = gateway.upstreams.get(tool.entryId)!;
    const installation = resolveInstallation(gateway, tool, principal);
    if (!installation) {
      return sendJson(
        res,
        200,
        resultMessage(message.id, {
          content: [
            {
              type: 'text',
              text: `You have no connection to ${upstream.name} yet. Connect your own account for "${upstream.name}" in Toolgate, or ask an admin to install it for your team.`,
            },
          ],
          isError: true,
        }),
      );
    }

    const target = this.targets.forInstallation(upstream, installation);
    const meta = params._meta as Record<string, unknown> | undefined;
    const caps = context.clientCapabilities;
    // Stream only when something may need relaying: progress, or requests the client can serve.
    const stream =
      context.acceptsSse &&
      (meta?.progressToken !== undefined ||
        caps.sampling !== undefined ||
        caps.elicitation !== undefined ||
        caps.roots !== undefined);
    const sse = stream ? new SseWriter(res) : undefined;
    const tracked = calls.track(context.sessionKey, message.id);
    if (sse) sse.onClose(() => calls.cancel(context.sessionKey, message.id, 'client disconnected'));

    const upstreamParams: Record<string, unknown> = { name: tool.upstreamName };
    if (params.arguments !== undefined) upstreamParams.arguments = params.arguments;
    if (meta !== undefined) upstreamParams._meta = meta;

    let reply: unknown;
    try {
      const result = await this.pool.request(target, 'tools/call', upstreamParams, {
        signal: tracked.signal,
        headers: passthroughHeaders(gateway.snapshot.gateway.headerAllowlist, context.headers),
        onNotification: sse ? (n) => sse.send(n) : undefined,
        onRequest: sse
          ? async (request) => {
              const pending = calls.awaitClient(context.sessionKey, this.clientRequestTimeoutMs);
              sse.send({ jsonrpc: '2.0', id: pending.id, method: request.method, params: request.params });
              return pending.response;
            }
          : undefined,
      });
      reply = resultMessage(message.id, result);
    } catch (err) {
      reply = errorMessage(message.id, this.toRpcError(err, upstream.name));
    } finally {
      tracked.done();
    }
    if (sse) {
      sse.send(reply);
      sse.end();
    } else if (!res.headersSent) {
      sendJson(res, 200, reply);
    }
  }

  private toRpcError(err: unknown, upstreamName: string): JsonRpcErrorObject {
    if (err instanceof UpstreamError) {
      if (err.kind === 'rpc' && err.rpcError) return err.rpcError;
      const code = err.kind === 'timeout' ? RPC.UPSTREAM_TIMEOUT : RPC.UPSTREAM_ERROR;
      return { code, message: err.message, data: { upstream: upstreamName, kind: err.kind } };
    }
    this.log.error({ err }, 'tool call failed unexpectedly');
    return { code: RPC.INTERNAL_ERROR, message: `Calling ${upstreamName} failed unexpectedly` };
  }
}
