import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Bus, UsageBatch } from '@toolgate/bus';
import { generateApiToken } from '@toolgate/core/api-token';
import { parseEnv } from '@toolgate/core/env';
import { createLogger } from '@toolgate/core/logger';
import { REDACTED } from '@toolgate/core/redact';
import type { UsageEvent } from '@toolgate/core/usage';
import { auditEvents, usageRollups } from '@toolgate/db/schema';
import { startConformanceFixture } from '@toolgate/fixtures/conformance-server';
import type { RunningHttpServer } from '@toolgate/fixtures/streamable-http-host';
import { eventually, freePort } from '@toolgate/fixtures/test-kit';
import {
  createHarness,
  type Harness,
  initializeSession,
  rpc,
  seedConformanceGateway,
} from '@toolgate/proxy/testing/harness';
import { startRedisServer, stopProcess } from '@toolgate/proxy/testing/redis-server';
import { buildWorker, type Worker } from '@toolgate/worker/build-worker';
import { ZWorkerEnv } from '@toolgate/worker/env';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const log = createLogger({ name: 'usage-test', level: 'silent', pretty: false });

function startWorker(h: Harness, bus: Bus = h.newBus()): { worker: Worker; bus: Bus; stop(): Promise<void> } {
  const env = parseEnv(ZWorkerEnv, { DATABASE_URL: h.db.url, USAGE_CONCURRENCY: '2' });
  const worker = buildWorker({ env, db: h.db, bus, log });
  worker.start();
  return {
    worker,
    bus,
    async stop() {
      await worker.stop();
      await bus.close();
    },
  };
}

type Seeded = Awaited<ReturnType<typeof seedConformanceGateway>>;

/** Raw JSON-RPC traffic, one POST per message, each with its own x-request-id. */
function client(base: string, seeded: Seeded, prefix = 'req') {
  const url = `${base}${seeded.path}`;
  let n = 0;
  let headers: Record<string, string> = { authorization: `Bearer ${seeded.token}` };
  const nextId = () => `${prefix}-${n++}`;
  return {
    sent: () => n,
    async initialize() {
      ({ headers } = await initializeSession(url, headers, { 'x-request-id': nextId() }));
      const note = await rpc(
        url,
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { ...headers, 'x-request-id': nextId() },
      );
      expect(note.status).toBe(202);
    },
    async call(tool: string, args: Record<string, unknown> = {}, extra: Record<string, string> = {}) {
      const res = await rpc(
        url,
        { jsonrpc: '2.0', id: n, method: 'tools/call', params: { name: tool, arguments: args } },
        { ...headers, 'x-request-id': nextId(), ...extra },
      );
      expect(res.status).toBe(200);
      return res.json!;
    },
    async denied() {
      const res = await rpc(
        url,
        { jsonrpc: '2.0', id: n, method: 'tools/call', params: { name: 'ok', arguments: {} } },
        { authorization: `Bearer ${generateApiToken().token}`, 'x-request-id': nextId() },
      );
      expect(res.status).toBe(401);
    },
  };
}

async function persisted(h: Harness, tenantId: string) {
  const events = await h.db.db.select().from(auditEvents).where(eq(auditEvents.tenantId, tenantId));
  const rollups = await h.db.db.select().from(usageRollups).where(eq(usageRollups.tenantId, tenantId));
  return { events, rollups, rolledUp: rollups.reduce((sum, r) => sum + r.count, 0) };
}

const countBy = <T>(rows: T[], key: (row: T) => string) =>
  rows.reduce<Record<string, number>>((acc, row) => ((acc[key(row)] = (acc[key(row)] ?? 0) + 1), acc), {});

const backends = (
  [
    ['distributed (Postgres + Redis/BullMQ)', inject('postgresUrl'), inject('redisUrl')],
    ['embedded (PGlite + in-process bus)', '', ''],
  ] as const
).filter(([name, pg, redis]) => name.startsWith('embedded') || (pg && redis));

let upstream: RunningHttpServer;
beforeAll(async () => {
  upstream = await startConformanceFixture();
});
afterAll(async () => upstream?.close());

describe.each(backends)('usage pipeline, %s', (_name, postgresUrl, redisUrl) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ postgresUrl, redisUrl });
  });
  afterAll(async () => h?.close());

  it('N messages through the gateway → exactly N audit events and rollups summing to N, across a worker restart and a redelivered batch', async () => {
    const seeded = await seedConformanceGateway(h, upstream.url);
    const proxy = await h.startProxy({ USAGE_BATCH_SIZE: '4', USAGE_FLUSH_INTERVAL_MS: '50' });
    let worker = startWorker(h);
    const c = client(proxy.url, seeded);

    await c.initialize();
    const ok = await c.call(
      'ok',
      { note: 'use Bearer abcdefghijklmnop', password: 'hunter2' },
      {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
    );
    expect(ok).toMatchObject({ result: { content: [{ type: 'text' }] } });
    for (let i = 0; i < 4; i++) await c.call('ok');
    for (let i = 0; i < 3; i++) expect(await c.call('fails')).toMatchObject({ result: { isError: true } });
    await eventually(
      async () => expect((await persisted(h, seeded.tenant.id)).events).toHaveLength(c.sent()),
      15_000,
    );

    // The worker goes away mid-stream; batches wait in the queue.
    await worker.stop();
    for (let i = 0; i < 3; i++) expect(await c.call('down')).toMatchObject({ error: { code: -32010 } });
    for (let i = 0; i < 4; i++) await c.denied();
    for (let i = 0; i < 2; i++) await c.call('ok');
    await eventually(() => expect(proxy.proxy.usage.counters.enqueued).toBe(c.sent()), 10_000);
    expect((await persisted(h, seeded.tenant.id)).events.length).toBeLessThan(c.sent());

    worker = startWorker(h);
    const n = c.sent();
    await eventually(
      async () => expect((await persisted(h, seeded.tenant.id)).events).toHaveLength(n),
      20_000,
    );

    // One batch delivered twice through the queue, and once more straight to the handler (a
    // redelivery after the queue forgot the job): counted once.
    const extra: UsageBatch<UsageEvent> = {
      id: randomUUID(),
      events: [0, 1].map((i) => ({
        at: Date.now(),
        tenantId: seeded.tenant.id,
        gatewayId: seeded.gateway.id,
        requestId: `synthetic-${i}`,
        traceId: randomUUID().replaceAll('-', ''),
        principalType: 'token',
        principalId: `token:${seeded.tokenId}`,
        authMethod: 'api_token',
        sessionId: null,
        method: 'tools/list',
        toolName: null,
        installationId: null,
        status: 'ok',
        errorCode: null,
        latencyMs: 1,
        requestBytes: 10,
        responseBytes: 10,
        policyOutcome: 'allow',
        request: null,
        response: null,
      })),
    };
    await worker.bus.usage.enqueue(extra);
    await worker.bus.usage.enqueue(extra);
    await eventually(
      async () => expect((await persisted(h, seeded.tenant.id)).events).toHaveLength(n + 2),
      10_000,
    );
    const duplicatesBefore = worker.worker.usage.counters.duplicates;
    await worker.worker.usage.handle(extra);
    expect(worker.worker.usage.counters.duplicates).toBe(duplicatesBefore + 1);

    const { events, rollups, rolledUp } = await persisted(h, seeded.tenant.id);
    const total = n + 2;
    expect(events).toHaveLength(total);
    expect(rolledUp).toBe(total);
    // Every client message exactly once.
    expect(Object.values(countBy(events, (e) => e.requestId ?? '')).every((k) => k === 1)).toBe(true);
    expect(countBy(events, (e) => e.status)).toEqual({ ok: 2 + 7 + 2, tool_error: 3, error: 3, denied: 4 });
    const byStatus = rollups.reduce<Record<string, number>>(
      (acc, r) => ((acc[r.status] = (acc[r.status] ?? 0) + r.count), acc),
      {},
    );
    expect(byStatus).toEqual({ ok: 11, tool_error: 3, error: 3, denied: 4 });
    expect(rollups.reduce((sum, r) => sum + r.errors, 0)).toBe(10);
    expect(rollups.every((r) => r.latencyBuckets.reduce((a, b) => a + b, 0) === r.count)).toBe(true);

    // What one call's audit row says.
    const first = events.find((e) => e.requestId === 'req-2')!;
    expect(first).toMatchObject({
      method: 'tools/call',
      toolName: 'ok',
      installationId: seeded.installation.id,
      gatewayId: seeded.gateway.id,
      principalType: 'token',
      principalId: `token:${seeded.tokenId}`,
      authMethod: 'api_token',
      status: 'ok',
      errorCode: null,
      policyOutcome: 'allow',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      request: { note: `use Bearer ${REDACTED}`, password: REDACTED },
    });
    expect(first.sessionId).toMatch(/\S/);
    expect(first.latencyMs).toBeGreaterThan(0);
    expect(first.requestBytes).toBeGreaterThan(50);
    expect(first.responseBytes).toBeGreaterThan(20);
    expect(first.response).toMatchObject({ content: [{ type: 'text' }] });

    const down = events.find((e) => e.status === 'error')!;
    expect(down).toMatchObject({
      toolName: 'down',
      installationId: seeded.deadInstallation.id,
      errorCode: -32010,
    });
    const deniedRow = events.find((e) => e.status === 'denied')!;
    expect(deniedRow).toMatchObject({
      method: '',
      gatewayId: seeded.gateway.id,
      principalId: null,
      authMethod: 'api_token',
      errorCode: -32012,
      policyOutcome: 'deny:unknown',
    });
    expect(deniedRow.traceId).toMatch(/^[0-9a-f]{32}$/);
    const init = events.find((e) => e.method === 'initialize')!;
    expect(init.sessionId).toBe(first.sessionId);
    // Callers → gateways → servers → tools, from the rollups alone.
    expect(rollups.find((r) => r.toolName === 'fails' && r.status === 'tool_error')).toMatchObject({
      principalId: `token:${seeded.tokenId}`,
      installationId: seeded.installation.id,
      count: 3,
    });

    await worker.stop();
  });

  it.runIf(!redisUrl)(
    'one machine: a stopping worker applies every batch the stopped proxy handed over',
    async () => {
      const seeded = await seedConformanceGateway(h, upstream.url);
      const proxy = await h.startProxy({ USAGE_BATCH_SIZE: '1' });
      const c = client(proxy.url, seeded);
      await c.initialize();
      for (let i = 0; i < 4; i++) await c.call('ok');
      // No worker yet: six one-event batches wait in the in-process queue, which ends with the process.
      await proxy.close();
      const worker = startWorker(h);
      await worker.stop();
      expect((await persisted(h, seeded.tenant.id)).events).toHaveLength(6);
    },
  );

  it('drains buffered events at shutdown', async () => {
    const seeded = await seedConformanceGateway(h, upstream.url);
    // No timer flush and large batches: only the drain can send these.
    const proxy = await h.startProxy({ USAGE_BATCH_SIZE: '500', USAGE_FLUSH_INTERVAL_MS: '3600000' });
    const worker = startWorker(h);
    try {
      const c = client(proxy.url, seeded);
      await c.initialize();
      await c.call('ok');
      expect(proxy.proxy.usage.buffered).toBe(3);
      await proxy.close();
      await eventually(
        async () => expect((await persisted(h, seeded.tenant.id)).events).toHaveLength(3),
        10_000,
      );
    } finally {
      await worker.stop();
    }
  });
});

describe('usage pipeline while Redis is down', () => {
  let redis: ChildProcess;
  let port: number;
  let h: Harness;
  beforeAll(async () => {
    port = await freePort();
    redis = await startRedisServer(port);
    h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    await h?.close();
    if (redis) await stopProcess(redis);
  });

  it('keeps answering, holds the events, and persists every one of them once Redis is back', async () => {
    const seeded = await seedConformanceGateway(h, upstream.url);
    const proxy = await h.startProxy({ USAGE_BATCH_SIZE: '5', USAGE_FLUSH_INTERVAL_MS: '50' });
    const worker = startWorker(h);
    try {
      const c = client(proxy.url, seeded);
      await c.initialize();
      for (let i = 0; i < 3; i++) await c.call('ok');
      await eventually(
        async () => expect((await persisted(h, seeded.tenant.id)).events).toHaveLength(5),
        10_000,
      );

      await stopProcess(redis);
      const started = Date.now();
      for (let i = 0; i < 15; i++) {
        expect(await c.call('ok')).toMatchObject({ result: { content: [{ type: 'text' }] } });
      }
      // Answering never waited on the dead queue.
      expect(Date.now() - started).toBeLessThan(5_000);
      await eventually(() => expect(proxy.proxy.usage.counters.enqueueFailures).toBeGreaterThan(0), 10_000);
      expect(proxy.proxy.usage.buffered).toBe(15);

      redis = await startRedisServer(port);
      await eventually(
        async () => expect((await persisted(h, seeded.tenant.id)).events).toHaveLength(20),
        30_000,
      );
      const { events, rolledUp } = await persisted(h, seeded.tenant.id);
      expect(rolledUp).toBe(20);
      expect(new Set(events.map((e) => e.requestId)).size).toBe(20);
      expect(proxy.proxy.usage.counters.dropped).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it('with a small buffer, drops the oldest events, counts them, and persists the rest', async () => {
    const seeded = await seedConformanceGateway(h, upstream.url);
    const proxy = await h.startProxy({ USAGE_BUFFER_MAX_EVENTS: '5', USAGE_FLUSH_INTERVAL_MS: '50' });
    const worker = startWorker(h);
    try {
      const c = client(proxy.url, seeded, 'tiny');
      await c.initialize();
      await eventually(
        async () => expect((await persisted(h, seeded.tenant.id)).events).toHaveLength(2),
        10_000,
      );

      await stopProcess(redis);
      for (let i = 0; i < 12; i++) await c.call('ok');
      await eventually(() => expect(proxy.proxy.usage.counters.dropped).toBe(7), 10_000);
      expect(proxy.proxy.usage.buffered).toBe(5);

      redis = await startRedisServer(port);
      await eventually(
        async () => expect((await persisted(h, seeded.tenant.id)).events).toHaveLength(7),
        30_000,
      );
      const ids = (await persisted(h, seeded.tenant.id)).events.map((e) => e.requestId).sort();
      // The two before the outage, then the newest five of the twelve (tiny-2 … tiny-13).
      expect(ids).toEqual(['tiny-0', 'tiny-1', 'tiny-10', 'tiny-11', 'tiny-12', 'tiny-13', 'tiny-9']);
      expect(proxy.proxy.usage.counters.dropped).toBe(7);
    } finally {
      await worker.stop();
    }
  });
});
