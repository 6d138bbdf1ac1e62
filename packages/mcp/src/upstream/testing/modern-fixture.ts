import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { acceptedContent, createMcpHandler, inputRequired, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

export interface ModernFixture {
  url: string;
  /** Headers and body of every POST, in arrival order. */
  received: { headers: IncomingHttpHeaders; body: Record<string, unknown> }[];
  /** Calls of `wait` the server saw cancelled (their stream closed). */
  aborted: string[];
  /** The requestState each `confirm` round came back with. */
  states: (string | undefined)[];
  /** Adds a tool and tells listeners the list changed. */
  addTool(name: string): void;
  /** Tells listeners subscribed to `uri` that it changed. */
  touch(uri: string): void;
  /** Cuts every open connection (listen streams included), as a restart or a proxy would. */
  dropConnections(): void;
  close(): Promise<void>;
}

/**
 * An upstream built on the v2 TypeScript SDK that speaks only MCP 2026-07-28 (`legacy: 'reject'`):
 * no initialize, per-request `_meta`, input by `input_required` results, notifications outside
 * calls only on `subscriptions/listen` streams.
 */
export async function startModernFixture(): Promise<ModernFixture> {
  const extraTools: string[] = [];
  const fixture: Omit<ModernFixture, 'url' | 'close' | 'addTool' | 'touch' | 'dropConnections'> = {
    received: [],
    aborted: [],
    states: [],
  };
  const factory = () => {
    const server = new McpServer(
      { name: 'modern-fixture', version: '2.0.0' },
      {
        capabilities: { logging: {}, resources: { subscribe: true, listChanged: true } },
        instructions: 'Speaks 2026-07-28 only.',
      },
    );
    server.registerTool(
      'echo',
      { description: 'Echoes a text', inputSchema: z.object({ text: z.string() }) },
      ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }),
    );
    server.registerTool(
      'steps',
      { description: 'Reports progress and logs', inputSchema: z.object({ count: z.number() }) },
      async ({ count }, ctx) => {
        const token = ctx.mcpReq._meta?.progressToken;
        for (let step = 1; step <= count; step++) {
          if (token !== undefined)
            await ctx.mcpReq.notify({
              method: 'notifications/progress',
              params: { progressToken: token, progress: step, total: count },
            });
        }
        await ctx.mcpReq.log('info', `did ${count} steps`);
        return { content: [{ type: 'text', text: `${count} steps` }] };
      },
    );
    server.registerTool(
      'confirm',
      { description: 'Asks the user first', inputSchema: z.object({ action: z.string() }) },
      ({ action }, ctx) => {
        const state = ctx.mcpReq.requestState<string>();
        fixture.states.push(state);
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
        return { content: [{ type: 'text', text: `${action} confirmed (${reason}) after ${state}` }] };
      },
    );
    server.registerTool(
      'wait',
      { description: 'Waits until cancelled', inputSchema: z.object({ id: z.string() }) },
      ({ id }, ctx) =>
        new Promise((resolve) => {
          ctx.mcpReq.signal.addEventListener('abort', () => {
            fixture.aborted.push(id);
            resolve({ content: [{ type: 'text', text: 'cancelled' }] });
          });
        }),
    );
    for (const name of extraTools) {
      server.registerTool(name, { description: 'Added later' }, () => ({
        content: [{ type: 'text', text: name }],
      }));
    }
    server.registerResource('memo', 'memo://one', { mimeType: 'text/plain' }, () => ({
      contents: [{ uri: 'memo://one', text: 'one' }],
    }));
    return server;
  };
  const handler = createMcpHandler(factory, { legacy: 'reject' });
  const handle = toNodeHandler(handler);
  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      void handle(req, res);
      return;
    }
    // Read once for the record, then handed to the SDK as parsed.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      if (typeof body === 'object' && body !== null)
        fixture.received.push({ headers: req.headers, body: body as Record<string, unknown> });
      void handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...fixture,
    url: `http://127.0.0.1:${port}/mcp`,
    addTool(name) {
      extraTools.push(name);
      handler.notify.toolsChanged();
    },
    touch(uri) {
      handler.notify.resourceUpdated(uri);
    },
    dropConnections() {
      server.closeAllConnections();
    },
    async close() {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
