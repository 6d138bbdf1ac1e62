import type { SnapshotTool } from '@toolgate/core/snapshot';
import { JsonRpcError, RPC } from '@toolgate/mcp/jsonrpc';
import type { Caller } from '../mcp-call.ts';
import type { Catalog } from './catalog.ts';

/**
 * The generated list/read tools of a resources-only server (see compileGatewaySnapshot), answered
 * from its resources with the caller's credential.
 */
export async function answerResourceTool(
  catalog: Catalog,
  { gateway, principal, subjectToken }: Caller,
  tool: SnapshotTool,
  args: unknown,
): Promise<Record<string, unknown>> {
  const server = { entryId: tool.entryId, installationId: tool.installationId };
  if (tool.synthetic === 'list_resources') {
    const { resources } = await catalog.listResources(gateway, principal, [server], subjectToken);
    return {
      content: [{ type: 'text', text: JSON.stringify(resources, null, 2) }],
      structuredContent: { resources },
    };
  }
  const uri = (args as { uri?: unknown } | undefined)?.uri;
  if (typeof uri !== 'string' || !uri)
    throw new JsonRpcError(RPC.INVALID_PARAMS, 'The "uri" argument is required');
  const { contents } = await catalog.forUri(
    gateway,
    principal,
    'resources/read',
    { uri },
    [server],
    subjectToken,
  );
  return {
    content: (Array.isArray(contents) ? contents : []).map((resource: unknown) => ({
      type: 'resource',
      resource,
    })),
  };
}
