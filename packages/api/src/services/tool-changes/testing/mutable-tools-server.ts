import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { serveStreamableHttp, type RunningHttpServer } from '@toolgate/fixtures/streamable-http-host';

export interface MutableTool {
  name: string;
  description: string;
  inputSchema?: { type: 'object'; properties?: Record<string, object>; required?: string[] };
  annotations?: Record<string, unknown>;
}

/**
 * A test upstream whose tools the test redefines between discoveries, as a server that pulls a
 * rug would: `setTools` changes what tools/list answers and tells every open session
 * (notifications/tools/list_changed). Each tool answers a call with its name. `setVersion` changes
 * the `serverInfo.version` sessions opened from then on are told, as an upgraded server would.
 */
export async function startMutableToolsServer(
  initial: MutableTool[],
): Promise<
  RunningHttpServer & { setTools(tools: MutableTool[]): Promise<void>; setVersion(version: string): void }
> {
  let current = initial;
  let version = '1.0.0';
  const live = new Set<McpServer>();
  const running = await serveStreamableHttp(() => {
    const mcp = new McpServer(
      { name: 'mutable-tools', version },
      { capabilities: { tools: { listChanged: true } } },
    );
    mcp.server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: current.map((t) => ({ inputSchema: { type: 'object' as const }, ...t })),
    }));
    mcp.server.setRequestHandler(CallToolRequestSchema, (request) => ({
      content: [{ type: 'text' as const, text: `called ${request.params.name}` }],
    }));
    live.add(mcp);
    mcp.server.onclose = () => void live.delete(mcp);
    return mcp;
  });
  return {
    ...running,
    async setTools(next) {
      current = next;
      await Promise.all([...live].map((mcp) => mcp.server.sendToolListChanged().catch(() => undefined)));
    },
    setVersion(next) {
      version = next;
    },
  };
}
