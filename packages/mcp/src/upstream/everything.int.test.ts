import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEverythingServer, startEverythingServer } from '@toolgate/fixtures/everything';
import { createUpstreamPool } from './index.ts';
import { everythingStdioTarget } from './testing/everything.ts';
import { clientInfo, rejection } from './testing/helpers.ts';
import { waitUntil } from './testing/processes.ts';
import type { JsonRpcNotification, JsonRpcRequest, UpstreamPool, UpstreamTarget } from './types.ts';

/** Answers what server-everything asks of its client during a call. */
async function client(request: JsonRpcRequest): Promise<Record<string, unknown>> {
  if (request.method === 'sampling/createMessage') {
    return {
      role: 'assistant',
      content: { type: 'text', text: 'sampled by the test client' },
      model: 'test-model',
    };
  }
  if (request.method === 'roots/list') return { roots: [] };
  throw Object.assign(new Error(`unexpected ${request.method}`), { code: -32601 });
}

describe.each(['streamable_http', 'sse', 'stdio'] as const)('server-everything over %s', (transport) => {
  let server: RunningEverythingServer | undefined;
  let pool: UpstreamPool;
  let target: UpstreamTarget;

  beforeAll(async () => {
    if (transport === 'stdio') {
      target = everythingStdioTarget('everything');
    } else {
      server = await startEverythingServer(transport === 'sse' ? 'sse' : 'streamableHttp');
      target = { key: `everything-${transport}`, label: 'everything', transport, url: server.url };
    }
    pool = createUpstreamPool({ clientInfo });
  });

  afterAll(async () => {
    await pool.close();
    await server?.close();
  });

  it('initializes, lists tools and calls echo', async () => {
    const info = await pool.serverInfo(target);
    expect(info).toMatchObject({
      serverInfo: { name: 'mcp-servers/everything' },
      capabilities: { tools: {} },
    });
    const listed = await pool.request(target, 'tools/list', {});
    expect((listed.tools as { name: string }[]).map((tool) => tool.name)).toContain('echo');
    const result = await pool.request(target, 'tools/call', {
      name: 'echo',
      arguments: { message: `hello over ${transport}` },
    });
    expect(result.content).toEqual([{ type: 'text', text: `Echo: hello over ${transport}` }]);
    expect(pool.stats()).toMatchObject({
      sessions: transport === 'stdio' ? 0 : 1,
      processes: transport === 'stdio' ? 1 : 0,
      inFlight: 0,
    });
  });

  it("relays progress notifications for the caller's token", async () => {
    const seen: JsonRpcNotification[] = [];
    const result = await pool.request(
      target,
      'tools/call',
      {
        name: 'trigger-long-running-operation',
        arguments: { duration: 0.3, steps: 3 },
        _meta: { progressToken: 'caller-token-1' },
      },
      { onNotification: (notification) => seen.push(notification) },
    );
    expect(result.content).toEqual([
      expect.objectContaining({
        text: expect.stringContaining('Long running operation completed') as string,
      }),
    ]);
    const progress = seen.filter((notification) => notification.method === 'notifications/progress');
    expect(progress.map((notification) => notification.params)).toEqual([
      { progress: 1, total: 3, progressToken: 'caller-token-1' },
      { progress: 2, total: 3, progressToken: 'caller-token-1' },
      { progress: 3, total: 3, progressToken: 'caller-token-1' },
    ]);
  });

  it("relays a sampling request during a call and hands the client's result to the tool", async () => {
    const asked: string[] = [];
    const result = await pool.request(
      target,
      'tools/call',
      { name: 'trigger-sampling-request', arguments: { prompt: 'say hi', maxTokens: 5 } },
      { onRequest: (request) => (asked.push(request.method), client(request)) },
    );
    expect(asked).toContain('sampling/createMessage');
    expect(JSON.stringify(result.content)).toContain('sampled by the test client');
  });

  it('reports a JSON-RPC error as rpc', async () => {
    const error = await rejection(pool.request(target, 'no/such-method', {}));
    expect(error.kind).toBe('rpc');
    expect(error.rpcError?.code).toBe(-32601);
    expect(error.message).toContain("upstream 'everything");
  });

  if (transport === 'stdio') {
    it("does not leak the gateway's environment to the child", async () => {
      process.env.DATABASE_URL = 'postgres://gateway:secret@db/toolgate';
      process.env.TOOLGATE_SECRET_KEY = 'do-not-leak';
      const envTarget = everythingStdioTarget('everything-env', { UPSTREAM_TOKEN: 'for-the-upstream' });
      try {
        const result = await pool.request(envTarget, 'tools/call', { name: 'get-env', arguments: {} });
        const env = JSON.parse((result.content as { text: string }[])[0]!.text) as Record<string, string>;
        expect(env.UPSTREAM_TOKEN).toBe('for-the-upstream');
        expect(env.PATH).toBeTruthy();
        expect(env).not.toHaveProperty('DATABASE_URL');
        expect(env).not.toHaveProperty('TOOLGATE_SECRET_KEY');
      } finally {
        delete process.env.DATABASE_URL;
        delete process.env.TOOLGATE_SECRET_KEY;
        await pool.evict('everything-env');
      }
    });
  } else {
    it('survives an upstream restart: the session is re-established invisibly', async () => {
      await pool.request(target, 'tools/call', { name: 'echo', arguments: { message: 'before' } });
      const port = server!.port;
      await server!.kill();
      if (transport === 'sse') {
        // The legacy transport notices the restart through its event stream.
        await waitUntil(() => pool.stats().sessions === 0, 'the pool noticed the dropped event stream');
      }
      server = await startEverythingServer(transport === 'sse' ? 'sse' : 'streamableHttp', { port });
      const result = await pool.request(target, 'tools/call', {
        name: 'echo',
        arguments: { message: 'after' },
      });
      expect(result.content).toEqual([{ type: 'text', text: 'Echo: after' }]);
      expect(pool.stats().sessions).toBe(1);
    });
  }
});
