import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

/**
 * An upstream built on the v2 TypeScript SDK (2026-07-28), serving 2025-era clients too
 * (`legacy: 'stateless'`), as a server written today would be deployed.
 */
export async function startV2Upstream(): Promise<{ url: string; close(): Promise<void> }> {
  const factory = () => {
    const server = new McpServer({ name: 'v2-upstream', version: '2.0.0' });
    server.registerTool(
      'shout',
      { description: 'Upper-cases a text', inputSchema: z.object({ text: z.string() }) },
      ({ text }) => ({ content: [{ type: 'text', text: text.toUpperCase() }] }),
    );
    return server;
  };
  const handle = toNodeHandler(createMcpHandler(factory, { legacy: 'stateless' }));
  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
