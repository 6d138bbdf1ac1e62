import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateMessageResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { type LiveLog, registerLiveFeatures } from './fixture-live.ts';

/** What a fixture server saw, for assertions in the tests that drive it. */
export interface FixtureLog extends LiveLog {
  /** Upstream request ids of calls that were cancelled (notifications/cancelled or a closed stream). */
  aborted: (string | number)[];
}

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * An MCP server built with the official SDK, with the tools the pool's edge cases need: slow
 * calls, progress, logging, sampling during a call, stream closing for resumption, and (over
 * stdio) its pid, its environment and a crash.
 */
export function createFixtureServer(log: FixtureLog): McpServer {
  const server = new McpServer(
    { name: 'toolgate-fixture', version: '1.0.0' },
    { capabilities: { logging: {} }, instructions: 'Fixture for the upstream pool tests.' },
  );

  // Notifications outside any call (the GET stream, or stdout for stdio).
  registerLiveFeatures(server, log);

  server.registerTool('echo', { inputSchema: { message: z.string() } }, ({ message }) =>
    text(`Echo: ${message}`),
  );

  server.registerTool('slow', { inputSchema: { ms: z.number() } }, async ({ ms }, extra) => {
    extra.signal.addEventListener('abort', () => log.aborted.push(extra.requestId), { once: true });
    await sleep(ms, extra.signal);
    return text('slow done');
  });

  server.registerTool(
    'progress',
    { inputSchema: { steps: z.number(), intervalMs: z.number() } },
    async ({ steps, intervalMs }, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (let step = 1; step <= steps; step++) {
        await sleep(intervalMs, extra.signal);
        if (progressToken !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress: step, total: steps },
          });
        }
      }
      return text(`progress done after ${steps} steps`);
    },
  );

  server.registerTool('log', { inputSchema: { message: z.string() } }, async ({ message }, extra) => {
    await extra.sendNotification({
      method: 'notifications/message',
      params: { level: 'info', logger: 'fixture', data: message },
    });
    return text('logged');
  });

  server.registerTool('sample', { inputSchema: { prompt: z.string() } }, async ({ prompt }, extra) => {
    const result = await extra.sendRequest(
      {
        method: 'sampling/createMessage',
        params: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 10 },
      },
      CreateMessageResultSchema,
    );
    const content = result.content;
    return text(`sampled: ${!Array.isArray(content) && content.type === 'text' ? content.text : '?'}`);
  });

  server.registerTool('resumable', { inputSchema: { ms: z.number() } }, async ({ ms }, extra) => {
    await extra.sendNotification({
      method: 'notifications/message',
      params: { level: 'info', data: 'before the stream closes' },
    });
    // Ends the response stream mid-call (SSE polling): the client must resume with Last-Event-ID.
    extra.closeSSEStream?.();
    await sleep(ms, extra.signal);
    return text('resumed');
  });

  // A result nested `levels` deep (hostile or buggy servers): the pool must refuse it cleanly.
  server.registerTool('deep', { inputSchema: { levels: z.number() } }, ({ levels }) => {
    let nested: Record<string, unknown> = { bottom: true };
    for (let level = 0; level < levels; level++) nested = { nested };
    return { ...text('deep'), structuredContent: nested };
  });

  server.registerTool('pid', {}, () => text(String(process.pid)));
  server.registerTool('env', {}, () => text(JSON.stringify(process.env)));
  server.registerTool('crash', { inputSchema: { code: z.number() } }, ({ code }) => {
    setImmediate(() => process.exit(code));
    return new Promise<never>(() => undefined);
  });

  return server;
}
