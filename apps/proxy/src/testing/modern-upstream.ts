import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { acceptedContent, createMcpHandler, inputRequired, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

/**
 * An upstream on the v2 TypeScript SDK that speaks only 2026-07-28 (`legacy: 'reject'`: it refuses
 * initialize), so the gateway must reach it the modern way whatever era its own client speaks.
 * `confirm` asks for input the 2026 way, with an `input_required` result.
 */
export async function startModernUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const factory = () => {
    const server = new McpServer({ name: 'modern-upstream', version: '2.0.0' });
    server.registerTool(
      'shout',
      { description: 'Upper-cases a text', inputSchema: z.object({ text: z.string() }) },
      ({ text }) => ({ content: [{ type: 'text', text: text.toUpperCase() }] }),
    );
    server.registerTool(
      'confirm',
      { description: 'Asks the user before acting', inputSchema: z.object({ action: z.string() }) },
      ({ action }, ctx) => {
        const answer = acceptedContent(ctx.mcpReq.inputResponses, 'confirm');
        if (answer === undefined) {
          return inputRequired({
            inputRequests: {
              confirm: inputRequired.elicit({
                message: `Really ${action}?`,
                requestedSchema: {
                  type: 'object',
                  properties: { reason: { type: 'string' } },
                  required: ['reason'],
                },
              }),
            },
            requestState: `asked:${action}`,
          });
        }
        const reason = typeof answer.reason === 'string' ? answer.reason : '';
        const state = ctx.mcpReq.requestState<string>() ?? 'no state';
        return { content: [{ type: 'text', text: `${action} confirmed (${reason}) after ${state}` }] };
      },
    );
    return server;
  };
  const handler = createMcpHandler(factory, { legacy: 'reject' });
  const handle = toNodeHandler(handler);
  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    async close() {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
