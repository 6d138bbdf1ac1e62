import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  LoggingMessageNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { createLogger } from '@toolgate/core/logger';
import { seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSandboxBackend } from './sandbox/sandbox-backend.ts';
import {
  EVERYTHING,
  MEMORY,
  RUNNER_KEY,
  type TestRunner,
  connectClient,
  mcpUrl,
  openTestDatabase,
  seedStdioServer,
  startTestRunner,
  textOf,
} from './testing/runner-kit.ts';

const LEAK_MARKER = 'TOOLGATE_RUNNER_TEST_LEAK';

let db: TestDatabase;
let runner: TestRunner;
let tenantA: string;
let tenantB: string;
let everything: string;
let memory: string;
const clients: Client[] = [];

beforeAll(async () => {
  // Something of the runner's own environment that must not reach any server.
  process.env[LEAK_MARKER] = 'runner-secret';
  db = await openTestDatabase(inject('postgresUrl'));
  const backend = await createSandboxBackend({ log: createLogger({ name: 'runner-test', level: 'silent' }) });
  runner = await startTestRunner(db, backend);
  tenantA = (await seedTenant(db.db)).id;
  tenantB = (await seedTenant(db.db)).id;
  everything = (
    await seedStdioServer(db.db, tenantA, { command: process.execPath, args: [EVERYTHING, 'stdio'] })
  ).installation.id;
  memory = (
    await seedStdioServer(db.db, tenantA, {
      command: process.execPath,
      args: [MEMORY],
      // Its default file is next to its code, which the sandbox mounts read-only.
      env: { MEMORY_FILE_PATH: '/home/server/memory.jsonl' },
    })
  ).installation.id;
});

afterAll(async () => {
  delete process.env[LEAK_MARKER];
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await runner?.close();
  await db?.destroy();
});

async function client(tenantId: string, installationId: string): Promise<Client> {
  const connected = await connectClient(mcpUrl(runner, tenantId, installationId));
  clients.push(connected);
  return connected;
}

describe('the runner bridge (sandbox backend)', () => {
  it('lists and calls tools of a stdio server through Streamable HTTP', async () => {
    const c = await client(tenantA, everything);
    expect(c.getServerVersion()?.name).toMatch(/everything/i);
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum', 'get-env']));
    const echoed = await c.callTool({ name: 'echo', arguments: { message: 'through the runner' } });
    expect(textOf(echoed)).toContain('through the runner');
    const sum = await c.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } });
    expect(textOf(sum)).toContain('42');
  });

  it('runs one process per installation: two sessions see the same server-memory state', async () => {
    const first = await client(tenantA, memory);
    const second = await client(tenantA, memory);
    const name = `entity-${Date.now()}`;
    await first.callTool({
      name: 'create_entities',
      arguments: { entities: [{ name, entityType: 'test', observations: ['made in session one'] }] },
    });
    const graph = await second.callTool({ name: 'read_graph', arguments: {} });
    expect(textOf(graph)).toContain(name);
    expect(textOf(graph)).toContain('made in session one');
    const host = await runner.runner.hosts.existing(tenantA, memory);
    expect(host?.state).toBe('running');
    expect(host?.restarts).toBe(0);
  });

  it("gives the server none of the runner's environment (get-env)", async () => {
    const c = await client(tenantA, everything);
    const env = JSON.parse(textOf(await c.callTool({ name: 'get-env', arguments: {} }))) as Record<
      string,
      string
    >;
    expect(env[LEAK_MARKER]).toBeUndefined();
    expect(Object.keys(env).sort()).toEqual(expect.arrayContaining(['HOME', 'PATH']));
    for (const name of ['DATABASE_URL', 'TOOLGATE_SECRET_KEYS', 'TEST_DATABASE_URL', 'USER'])
      expect(env[name]).toBeUndefined();
    expect(env.HOME).toBe('/home/server');
  });

  it('relays a sampling request of the server to the session whose call is in flight', async () => {
    const c = new Client({ name: 'sampling-client', version: '1.0.0' }, { capabilities: { sampling: {} } });
    c.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      model: 'test-model',
      role: 'assistant',
      content: { type: 'text', text: `sampled: ${String(request.params.maxTokens)}` },
    }));
    await c.connect(
      new StreamableHTTPClientTransport(new URL(mcpUrl(runner, tenantA, everything)), {
        requestInit: { headers: { authorization: `Bearer ${RUNNER_KEY}` } },
      }),
    );
    clients.push(c);
    const result = await c.callTool({
      name: 'trigger-sampling-request',
      arguments: { prompt: 'hi', maxTokens: 7 },
    });
    expect(textOf(result)).toContain('sampled: 7');
  });

  it("sends the server's notifications outside calls to every session's GET stream", async () => {
    const [one, two] = [await client(tenantA, everything), await client(tenantA, everything)];
    const heard: string[] = [];
    two.setNotificationHandler(
      LoggingMessageNotificationSchema,
      (n) => void heard.push(String(n.params.data)),
    );
    await one.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    try {
      // The server logs once at once and then every 5 s, outside any call: session two hears it.
      await eventually(() => expect(heard.length).toBeGreaterThan(0), 15_000);
      expect(heard[0]).toMatch(/message/i);
    } finally {
      await one.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    }
  });

  it("relays the server's progress to the session that asked, under that session's own token", async () => {
    const [one, two] = [await client(tenantA, everything), await client(tenantA, everything)];
    const seen: { one: number[]; two: number[] } = { one: [], two: [] };
    // Both sessions' SDK clients pick the same progress tokens (their request ids): the runner keeps them apart.
    await Promise.all([
      one.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
        undefined,
        { onprogress: (p) => seen.one.push(p.progress) },
      ),
      two.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 0.2, steps: 2 } },
        undefined,
        { onprogress: (p) => seen.two.push(p.progress) },
      ),
    ]);
    expect(seen.one).toEqual([1, 2, 3]);
    expect(seen.two).toEqual([1, 2]);
  });

  it('cancels a forwarded call when its session cancels it, and keeps serving', async () => {
    const c = await client(tenantA, everything);
    const abort = new AbortController();
    const call = c.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 30 } },
      undefined,
      { signal: abort.signal, onprogress: () => abort.abort('enough') },
    );
    await expect(call).rejects.toThrow();
    // Forwarded and cancelled upstream: the runner is not left waiting out the 30 s operation.
    const host = (await runner.runner.hosts.existing(tenantA, everything))!;
    await eventually(() => expect(host.inFlightCount).toBe(0), 5_000);
    const sum = await c.callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } });
    expect(textOf(sum)).toContain('42');
  });

  it('refuses requests without the runner key, with a wrong one, or with a client token (401)', async () => {
    const url = mcpUrl(runner, tenantA, everything);
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const post = (headers: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify(init),
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: `Bearer ${RUNNER_KEY}x` })).status).toBe(401);
    expect((await post({ authorization: `Bearer tg_${'a'.repeat(46)}` })).status).toBe(401);
    expect((await post({ authorization: RUNNER_KEY })).status).toBe(401);
    const log = await fetch(`${runner.url}/tenants/${tenantA}/servers/${everything}/log`);
    expect(log.status).toBe(401);
    await expect(connectClient(url, 'not-the-key')).rejects.toMatchObject({ code: 401 });
  });

  it("answers 404 for another tenant's installation, an unknown one, or a session of another server", async () => {
    await expect(connectClient(mcpUrl(runner, tenantB, everything))).rejects.toMatchObject({ code: 404 });
    // An entry of the shared catalog: only the installation's own tenant tells them apart.
    const { installation: fromCatalog } = await seedStdioServer(db.db, tenantA, {
      command: process.execPath,
      args: [EVERYTHING, 'stdio'],
      catalog: true,
    });
    await expect(connectClient(mcpUrl(runner, tenantB, fromCatalog.id))).rejects.toMatchObject({ code: 404 });
    expect((await client(tenantA, fromCatalog.id)).getServerVersion()?.name).toMatch(/everything/i);
    await expect(connectClient(mcpUrl(runner, tenantA, crypto.randomUUID()))).rejects.toMatchObject({
      code: 404,
    });
    await expect(connectClient(mcpUrl(runner, tenantA, 'not-a-uuid'))).rejects.toMatchObject({ code: 404 });
    const logOfB = await fetch(`${runner.url}/tenants/${tenantB}/servers/${everything}/log`, {
      headers: { authorization: `Bearer ${RUNNER_KEY}` },
    });
    expect(logOfB.status).toBe(404);

    // A session opened for one installation does not reach another through its id.
    const c = await client(tenantA, everything);
    const sessionId = (c.transport as StreamableHTTPClientTransport).sessionId!;
    const crossed = await fetch(mcpUrl(runner, tenantA, memory), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${RUNNER_KEY}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' }),
    });
    expect(crossed.status).toBe(404);
  });

  it('answers /healthz, and /readyz once Postgres answers, without the runner key', async () => {
    expect((await fetch(`${runner.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${runner.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { postgres: { ok: true } } });
    expect((await fetch(`${runner.url}/servers/${everything}/mcp`)).status).toBe(404);
  });

  it('ends a session on DELETE', async () => {
    const c = await client(tenantA, everything);
    const transport = c.transport as StreamableHTTPClientTransport;
    const before = runner.runner.sessions.size;
    await transport.terminateSession();
    expect(runner.runner.sessions.size).toBe(before - 1);
    await expect(c.listTools()).rejects.toThrow();
  });
});
