import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { serveStreamableHttp, type RunningHttpServer } from '@toolgate/fixtures/streamable-http-host';

/**
 * An MCP server whose tools/list answers `pageSize` tools per page with opaque cursors, and
 * whose tool list the test can change between discoveries.
 */
export async function startPagedToolsServer(
  initial: string[],
  pageSize: number,
): Promise<RunningHttpServer & { setTools(names: string[]): void; listCalls: () => number }> {
  let names = initial;
  let calls = 0;
  const running = await serveStreamableHttp(() => {
    const mcp = new McpServer({ name: 'paged-tools', version: '1.0.0' }, { capabilities: { tools: {} } });
    mcp.server.setRequestHandler(ListToolsRequestSchema, (request) => {
      calls++;
      const start = request.params?.cursor
        ? Number(Buffer.from(request.params.cursor, 'base64url').toString())
        : 0;
      const page = names.slice(start, start + pageSize);
      const next = start + pageSize;
      return {
        tools: page.map((name) => ({
          name,
          description: `tool ${name}`,
          inputSchema: { type: 'object' as const, properties: {} },
        })),
        ...(next < names.length ? { nextCursor: Buffer.from(String(next)).toString('base64url') } : {}),
      };
    });
    return mcp;
  });
  return {
    ...running,
    setTools(next) {
      names = next;
    },
    listCalls: () => calls,
  };
}
