import type { IncomingMessage } from 'node:http';
import {
  errorMessage,
  JsonRpcError,
  resultMessage,
  RPC,
  type JsonRpcRequestMessage,
} from '@toolgate/mcp/jsonrpc';
import type { UpstreamPool } from '@toolgate/mcp/upstream';
import type { SnapshotTool } from '@toolgate/core/snapshot';
import type { Principal } from './auth/principal.ts';
import type { Catalog } from './catalog.ts';
import type { CallRegistry } from './call-registry.ts';
import type { Responder } from './responder.ts';
import type { PreparedGateway } from './snapshot-store.ts';
import { upstreamErrorToRpc, upstreamMeta } from './upstream-errors.ts';
import { passthroughHeaders, resolveInstallation, type UpstreamTargets } from './upstream-target.ts';

export interface CallContext {
  /** Session id, or a stateless stand-in: scopes cancellation and server→client replies. */
  sessionKey: string;
  headers: IncomingMessage['headers'];
  requestId: string;
}

/** tools/call: find the tool, pick the caller's credential, call upstream, relay what happens. */
export class ToolCaller {
  constructor(
    private readonly pool: UpstreamPool,
    private readonly targets: UpstreamTargets,
    private readonly catalog: Catalog,
    private readonly clientRequestTimeoutMs = 120_000,
  ) {}

  /** The generated list/read tools of a resources-only server, answered from its resources. */
  private async resourceTool(
    gateway: PreparedGateway,
    principal: Principal,
    tool: SnapshotTool,
    args: unknown,
  ): Promise<Record<string, unknown>> {
    const server = { entryId: tool.entryId, installationId: tool.installationId };
    if (tool.synthetic === 'list_resources') {
      const { resources } = await this.catalog.listResources(gateway, principal, [server]);
      return {
        content: [{ type: 'text', text: JSON.stringify(resources, null, 2) }],
        structuredContent: { resources },
      };
    }
    const uri = (args as { uri?: unknown } | undefined)?.uri;
    if (typeof uri !== 'string' || !uri)
      throw new JsonRpcError(RPC.INVALID_PARAMS, 'The "uri" argument is required');
    const { contents } = await this.catalog.forUri(gateway, principal, 'resources/read', { uri }, [server]);
    return {
      content: (Array.isArray(contents) ? contents : []).map((resource: unknown) => ({
        type: 'resource',
        resource,
      })),
    };
  }

  async call(
    gateway: PreparedGateway,
    principal: Principal,
    message: JsonRpcRequestMessage,
    context: CallContext,
    calls: CallRegistry,
    responder: Responder,
  ): Promise<void> {
    const params = message.params ?? {};
    const name = params.name;
    if (typeof name !== 'string' || name.length === 0) {
      return responder.reply(
        errorMessage(message.id, { code: RPC.INVALID_PARAMS, message: 'Invalid params: "name" is required' }),
      );
    }
    const tool = gateway.toolByName.get(name);
    if (!tool) {
      return responder.reply(
        errorMessage(message.id, { code: RPC.INVALID_PARAMS, message: `Unknown tool: ${name}` }),
      );
    }
    const upstream = gateway.upstreams.get(tool.entryId)!;
    const installation = resolveInstallation(gateway, tool, principal);
    if (!installation) {
      return responder.reply(
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

    if (tool.synthetic) {
      try {
        responder.reply(
          resultMessage(message.id, await this.resourceTool(gateway, principal, tool, params.arguments)),
        );
      } catch (err) {
        if (!(err instanceof JsonRpcError)) throw err;
        responder.reply(
          resultMessage(message.id, { content: [{ type: 'text', text: err.message }], isError: true }),
        );
      }
      return;
    }
    const target = this.targets.forInstallation(upstream, installation);
    const tracked = calls.track(context.sessionKey, message.id);
    responder.onAbort(() => calls.cancel(context.sessionKey, message.id, 'client disconnected'));

    const upstreamParams: Record<string, unknown> = { name: tool.upstreamName };
    if (params.arguments !== undefined) upstreamParams.arguments = params.arguments;
    const meta = upstreamMeta(params._meta);
    if (meta) upstreamParams._meta = meta;

    try {
      const result = await this.pool.request(target, 'tools/call', upstreamParams, {
        signal: tracked.signal,
        headers: passthroughHeaders(gateway.snapshot.gateway.headerAllowlist, context.headers),
        onNotification: responder.canStream ? (n) => responder.send(n) : undefined,
        onRequest: responder.canStream
          ? async (request) => {
              const pending = calls.awaitClient(context.sessionKey, this.clientRequestTimeoutMs);
              responder.send({
                jsonrpc: '2.0',
                id: pending.id,
                method: request.method,
                params: request.params,
              });
              return pending.response;
            }
          : undefined,
      });
      responder.reply(resultMessage(message.id, result));
    } catch (err) {
      responder.reply(errorMessage(message.id, upstreamErrorToRpc(err, upstream.name)));
    } finally {
      tracked.done();
    }
  }
}
