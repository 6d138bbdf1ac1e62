import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { UsageConsumer } from '@toolgate/bus';
import type { UsageEvent } from '@toolgate/core/usage';
import { seedApiToken } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectClient,
  createHarness,
  initializeSession,
  rpc,
  seedServerGateway,
  type Harness,
  type RunningProxy,
} from '../testing/harness.ts';
import { startTasksUpstream } from '../testing/tasks-upstream.ts';

/**
 * MCP tasks through the gateway: a task-capable upstream (v1 SDK, 2025-11-25 tasks), two replicas
 * sharing Redis, 2025-11-25 clients (v1 SDK) and 2026-07-28 clients (the tasks extension).
 */
let h: Harness;
let upstream: Awaited<ReturnType<typeof startTasksUpstream>>;
let replicaA: RunningProxy;
let replicaB: RunningProxy;
let path: string;
let otherPath: string;
let token: string;
let secondToken: string;
let otherTenantToken: string;
const events: UsageEvent[] = [];
let consumer: UsageConsumer;

const TOOLS = [
  { toolName: 'slow_echo', alias: 'echo' },
  { toolName: 'hold', alias: 'hold' },
  { toolName: 'plain', alias: 'plain' },
];

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  upstream = await startTasksUpstream();
  const seeded = await seedServerGateway(h, {
    server: 'jobs',
    upstream: { url: upstream.url },
    gateway: 'tasks',
    tools: TOOLS,
  });
  const other = await seedServerGateway(h, {
    server: 'jobs',
    upstream: { url: upstream.url },
    gateway: 'tasks',
    tools: TOOLS,
  });
  path = seeded.path;
  otherPath = other.path;
  token = seeded.token;
  otherTenantToken = other.token;
  secondToken = (await seedApiToken(h.db.db, seeded.tenant.id)).token;
  replicaA = await h.startProxy({ USAGE_FLUSH_INTERVAL_MS: '50' });
  replicaB = await h.startProxy({ USAGE_FLUSH_INTERVAL_MS: '50' });
  consumer = replicaA.bus.usage.consume((batch) => {
    events.push(...(batch.events as UsageEvent[]));
    return Promise.resolve();
  });
});

afterAll(async () => {
  await consumer?.close();
  await h?.close();
  await upstream?.close();
});

async function client(base: string, bearer = token, gatewayPath = path): Promise<Client> {
  return (await connectClient(`${base}${gatewayPath}`, bearer)).client;
}

const startEcho = async (c: Client, text: string, ms = 200) =>
  (
    await c.request(
      { method: 'tools/call', params: { name: 'echo', arguments: { text, ms }, task: { ttl: 60_000 } } },
      CreateTaskResultSchema,
    )
  ).task;

describe('tasks for 2025-11-25 clients (v1 SDK)', () => {
  it('advertises tasks and lists each tool’s execution as the upstream does', async () => {
    const c = await client(replicaA.url);
    try {
      expect(c.getServerCapabilities()?.tasks).toEqual({
        list: {},
        cancel: {},
        requests: { tools: { call: {} } },
      });
      const { tools } = await c.listTools();
      const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
      expect(byName.echo?.execution).toEqual({ taskSupport: 'optional' });
      expect(byName.hold?.execution).toEqual({ taskSupport: 'required' });
      // The SDK lists ordinary tools as forbidden to run as tasks.
      expect(byName.plain?.execution).toEqual({ taskSupport: 'forbidden' });
    } finally {
      await c.close();
    }
  });

  it('runs a task-augmented call, polled and fetched on another replica, under a sealed id', async () => {
    const a = await client(replicaA.url);
    const b = await client(replicaB.url);
    try {
      const task = await startEcho(a, 'hello');
      expect(task.status).toBe('working');
      // Not the upstream's id (a UUID): a sealed one naming tenant, gateway, caller and upstream.
      expect(task.taskId).not.toMatch(/^[0-9a-f-]{36}$/);
      expect((await upstream.store.listTasks()).tasks.map((t) => t.taskId)).not.toContain(task.taskId);
      await eventually(async () => {
        expect((await b.experimental.tasks.getTask(task.taskId)).status).toBe('completed');
      });
      const result = await b.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
      expect(result.content).toEqual([{ type: 'text', text: 'echo: hello' }]);
      expect(result._meta?.['io.modelcontextprotocol/related-task']).toEqual({ taskId: task.taskId });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('lists only the caller’s own tasks and refuses another token’s id', async () => {
    const mine = await client(replicaA.url);
    const theirs = await client(replicaB.url, secondToken);
    try {
      const own = await startEcho(mine, 'mine', 5_000);
      const foreign = await startEcho(theirs, 'theirs', 5_000);
      const listed = (await mine.experimental.tasks.listTasks()).tasks.map((t) => t.taskId);
      expect(listed).toContain(own.taskId);
      expect(listed).not.toContain(foreign.taskId);
      const theirList = (await theirs.experimental.tasks.listTasks()).tasks.map((t) => t.taskId);
      expect(theirList).toEqual([foreign.taskId]);
      await expect(mine.experimental.tasks.getTask(foreign.taskId)).rejects.toMatchObject({
        code: -32602,
        message: expect.stringContaining('Task not found') as string,
      });
      await expect(mine.experimental.tasks.cancelTask(foreign.taskId)).rejects.toMatchObject({
        code: -32602,
      });
      // Untouched by the refused cancel.
      expect((await theirs.experimental.tasks.getTask(foreign.taskId)).status).toBe('working');
    } finally {
      await mine.close();
      await theirs.close();
    }
  });

  it('cancels a task that runs until cancelled, and refuses to cancel it twice', async () => {
    const c = await client(replicaA.url);
    try {
      const { task } = await c.request(
        { method: 'tools/call', params: { name: 'hold', arguments: {}, task: {} } },
        CreateTaskResultSchema,
      );
      const cancelled = await c.experimental.tasks.cancelTask(task.taskId);
      expect(cancelled).toMatchObject({ taskId: task.taskId, status: 'cancelled' });
      expect((await c.experimental.tasks.getTask(task.taskId)).status).toBe('cancelled');
      await expect(c.experimental.tasks.cancelTask(task.taskId)).rejects.toMatchObject({ code: -32602 });
    } finally {
      await c.close();
    }
  });

  it('refuses tampered, invented and other tenants’ ids with -32602, and audits tasks calls', async () => {
    const c = await client(replicaB.url);
    const stranger = await client(replicaA.url, otherTenantToken, otherPath);
    try {
      const own = await startEcho(c, 'audited', 0);
      const foreign = await startEcho(stranger, 'elsewhere', 0);
      const tampered = `${own.taskId.slice(0, -4)}${own.taskId.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      for (const id of [tampered, 'not-a-task', foreign.taskId]) {
        await expect(c.experimental.tasks.getTask(id)).rejects.toMatchObject({ code: -32602 });
      }
      // The other tenant's id works for its owner, on the other tenant's gateway.
      await eventually(async () => {
        expect((await stranger.experimental.tasks.getTask(foreign.taskId)).status).toBe('completed');
      });
      await eventually(() => {
        const ofTasks = events.filter((e) => e.method === 'tasks/get');
        // The task status the caller saw is kept in the audit.
        expect(ofTasks).toContainEqual(
          expect.objectContaining({
            method: 'tasks/get',
            toolName: 'echo',
            status: 'ok',
            response: expect.objectContaining({ status: expect.any(String) as unknown }) as unknown,
          }),
        );
        expect(ofTasks).toContainEqual(
          expect.objectContaining({ method: 'tasks/get', status: 'error', errorCode: -32602 }),
        );
      });
    } finally {
      await c.close();
      await stranger.close();
    }
  });
});

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } },
};

/** A 2026-07-28 request, its headers as the revision (and the extension) require. */
async function modern(base: string, method: string, params: Record<string, unknown>, meta: object = META) {
  const name = (params.name ?? params.taskId) as string | undefined;
  const res = await rpc(
    `${base}${path}`,
    { jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: meta } },
    {
      authorization: `Bearer ${token}`,
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(name === undefined ? {} : { 'mcp-name': name }),
    },
  );
  return res.json as {
    result?: Record<string, unknown>;
    error?: { code: number; message: string; data?: unknown };
  };
}

describe('tasks for 2026-07-28 clients (io.modelcontextprotocol/tasks)', () => {
  it('advertises the extension in server/discover', async () => {
    const discover = await modern(replicaA.url, 'server/discover', {});
    expect(discover.result?.capabilities).toMatchObject({
      extensions: { 'io.modelcontextprotocol/tasks': {} },
    });
  });

  it('answers resultType task, then inlines the result in tasks/get on another replica', async () => {
    const created = await modern(replicaA.url, 'tools/call', {
      name: 'echo',
      arguments: { text: 'new era', ms: 100 },
    });
    expect(created.result).toMatchObject({
      resultType: 'task',
      status: 'working',
      ttlMs: expect.any(Number) as number,
    });
    const taskId = created.result!.taskId as string;
    await eventually(async () => {
      const got = await modern(replicaB.url, 'tasks/get', { taskId });
      expect(got.result).toMatchObject({
        resultType: 'complete',
        taskId,
        status: 'completed',
        result: { content: [{ type: 'text', text: 'echo: new era' }] },
      });
    });
    const ack = await modern(replicaB.url, 'tasks/update', { taskId, inputResponses: {} });
    expect(ack.result).toEqual({ resultType: 'complete' });
  });

  it('cancels with an empty acknowledgement and has no tasks/list or tasks/result', async () => {
    const created = await modern(replicaA.url, 'tools/call', { name: 'hold', arguments: {} });
    const taskId = created.result!.taskId as string;
    expect((await modern(replicaB.url, 'tasks/cancel', { taskId })).result).toEqual({
      resultType: 'complete',
    });
    expect((await modern(replicaA.url, 'tasks/get', { taskId })).result).toMatchObject({
      status: 'cancelled',
    });
    expect((await modern(replicaA.url, 'tasks/list', {})).error?.code).toBe(-32601);
    expect((await modern(replicaA.url, 'tasks/result', { taskId })).error?.code).toBe(-32601);
  });

  it('needs the extension declared for a task-only tool and for tasks/*', async () => {
    const bare = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const refused = await modern(replicaA.url, 'tools/call', { name: 'hold', arguments: {} }, bare);
    expect(refused.error).toMatchObject({
      code: -32021,
      data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } },
    });
    // An optional one runs as a plain call.
    const plain = await modern(
      replicaA.url,
      'tools/call',
      { name: 'echo', arguments: { text: 'now', ms: 0 } },
      bare,
    );
    expect(plain.result).toMatchObject({
      resultType: 'complete',
      content: [{ type: 'text', text: 'echo: now' }],
    });
    expect((await modern(replicaA.url, 'tasks/get', { taskId: 'x' }, bare)).error?.code).toBe(-32021);
  });
});

describe('raw 2025-11-25 requests', () => {
  it('gets -32602 for an id it never received, not a 500', async () => {
    const { headers } = await initializeSession(`${replicaA.url}${path}`, {
      authorization: `Bearer ${token}`,
    });
    const res = await rpc(
      `${replicaA.url}${path}`,
      { jsonrpc: '2.0', id: 2, method: 'tasks/result', params: { taskId: 'v1.k1.AAAA.BBBB' } },
      headers,
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ error: { code: -32602 } });
  });
});
