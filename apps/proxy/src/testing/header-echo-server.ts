import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/**
 * A real MCP server (SDK, Streamable HTTP) whose `whoami` tool answers with the HTTP headers
 * the gateway sent it (how tests see which credential and passthrough headers arrived upstream),
 * and whose `slow` tool takes as long as asked (in-flight calls during drains and outages).
 */
export async function startHeaderEchoServer(): Promise<{
  url: string;
  requests: IncomingMessage[];
  cancelled: number[];
  running: number[];
  close(): Promise<void>;
}> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const requests: IncomingMessage[] = [];
  /** `ms` of every slow call the client cancelled (the upstream saw notifications/cancelled). */
  const cancelled: number[] = [];
  /** `ms` of every slow call in progress. */
  const running: number[] = [];

  const newServer = () => {
    const server = new McpServer({ name: 'header-echo', version: '1.0.0' });
    server.registerTool(
      'slow',
      {
        description: 'Answers after `ms` milliseconds',
        inputSchema: { ms: z.number().int().min(0).max(60_000) },
      },
      async ({ ms }, extra) => {
        running.push(ms);
        const aborted = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), ms);
          extra.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        running.splice(running.indexOf(ms), 1);
        if (aborted) cancelled.push(ms);
        return { content: [{ type: 'text', text: `done after ${ms} ms` }] };
      },
    );
    server.registerTool('whoami', { description: 'Returns the request headers' }, (extra) => ({
      content: [{ type: 'text', text: JSON.stringify(extra.requestInfo?.headers ?? {}) }],
    }));
    return server;
  };

  const http: Server = createServer((req, res) => {
    requests.push(req);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as unknown) : undefined;
      const sessionId = req.headers['mcp-session-id'] as string | undefined;
      let transport = sessionId ? transports.get(sessionId) : undefined;
      if (!transport) {
        if (sessionId) {
          res.writeHead(404).end();
          return;
        }
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void transports.set(id, transport!),
        });
        void newServer().connect(transport);
      }
      void transport.handleRequest(req, res, body);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    cancelled,
    running,
    async close() {
      await Promise.all([...transports.values()].map((t) => t.close()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
