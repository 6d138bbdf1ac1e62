import { JsonRpcError, RPC } from '@toolgate/mcp/jsonrpc';
import { forwardedTraceHeaders } from '@toolgate/mcp/trace-context';
import type { UpstreamPool } from '@toolgate/mcp/upstream';
import type { SnapshotTool } from '@toolgate/core/snapshot';
import { TOOL_NAME_PATTERN } from '@toolgate/core/tool-naming';
import type { Logger } from '@toolgate/core/logger';
import type { PreparedGateway, PreparedInstallation } from '../config/snapshot-store.ts';
import type { McpCall } from '../mcp-call.ts';
import { logUpstreamFailure, upstreamErrorToRpc } from '../backend/upstream-errors.ts';
import { passthroughHeaders, type UpstreamTargets } from '../backend/upstream-target.ts';

/**
 * A pass-through gateway fronts one server and serves it as that server lists it: names, tools,
 * prompts and resources unchanged, read live with the caller's own token (which is why nothing is
 * recorded or assigned). Calls go through the tool caller like any other (cancellation, progress,
 * server→client requests, tasks), to the tool named.
 */

/** Methods answered by the fronted server, with the caller's token. */
export const PASSTHROUGH_METHODS = new Set([
  'tools/list',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'completion/complete',
]);

/** The workspace's installation of the fronted server (its URL and settings; no credential). */
export function passthroughInstallation(gateway: PreparedGateway): PreparedInstallation | undefined {
  const fronted = gateway.snapshot.passthrough;
  if (!fronted) return undefined;
  return gateway.installationsByEntry.get(fronted.entryId)?.find((i) => i.scope === 'org');
}

/** The tool a pass-through caller names, as the fronted server will be asked for it. */
export function passthroughTool(gateway: PreparedGateway, name: string): SnapshotTool | undefined {
  const fronted = gateway.snapshot.passthrough;
  if (!fronted || !TOOL_NAME_PATTERN.test(name)) return undefined;
  const installation = passthroughInstallation(gateway);
  return {
    name,
    upstreamName: name,
    entryId: fronted.entryId,
    installationId: installation?.id ?? null,
    description: '',
    inputSchema: { type: 'object' },
  };
}

export class PassthroughForwarder {
  constructor(
    private readonly pool: UpstreamPool,
    private readonly targets: UpstreamTargets,
    private readonly log: Logger,
  ) {}

  /** Asks the fronted server, as the caller; its answer (or its JSON-RPC error) is the gateway's. */
  async forward(
    call: McpCall,
    method: string,
    params: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const { gateway, principal, subjectToken } = call.caller;
    const fronted = gateway.snapshot.passthrough;
    const upstream = fronted && gateway.upstreams.get(fronted.entryId);
    const installation = passthroughInstallation(gateway);
    if (!upstream || !installation)
      throw new JsonRpcError(
        RPC.INTERNAL_ERROR,
        `${upstream?.name ?? 'The server this gateway fronts'} is not installed for the workspace; an admin must install it`,
      );
    let target;
    try {
      target = await this.targets.forCaller(upstream, installation, principal, subjectToken);
      const result = await this.pool.request(target, method, params, {
        headers: passthroughHeaders(gateway.snapshot.gateway.headerAllowlist, call.headers),
        trace: forwardedTraceHeaders(call.headers),
      });
      return result;
    } catch (err) {
      if (err instanceof JsonRpcError) throw err;
      if (target)
        logUpstreamFailure(this.log, err, {
          target,
          method,
          tenantId: gateway.snapshot.tenant.id,
          gatewayId: gateway.snapshot.gateway.id,
          installationId: installation.id,
          requestId: call.requestId,
        });
      const rpc = upstreamErrorToRpc(err, upstream.name);
      throw new JsonRpcError(rpc.code, rpc.message, rpc.data);
    }
  }
}
