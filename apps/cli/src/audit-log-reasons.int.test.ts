import type { Bus } from '@toolgate/bus';
import { generateApiToken } from '@toolgate/core/api-token';
import { parseEnv } from '@toolgate/core/env';
import { createLogger } from '@toolgate/core/logger';
import { auditEvents, usageRollups } from '@toolgate/db/schema';
import { startConformanceFixture } from '@toolgate/fixtures/conformance-server';
import type { RunningHttpServer } from '@toolgate/fixtures/streamable-http-host';
import { eventually } from '@toolgate/fixtures/test-kit';
import {
  createHarness,
  initializeSession,
  rpc,
  seedConformanceGateway,
  type Harness,
} from '@toolgate/proxy/testing/harness';
import { buildWorker } from '@toolgate/worker/build-worker';
import { ZWorkerEnv } from '@toolgate/worker/env';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const log = createLogger({ name: 'audit-reasons-test', level: 'silent', pretty: false });

let h: Harness;
let upstream: RunningHttpServer;
let bus: Bus;
let worker: ReturnType<typeof buildWorker>;

beforeAll(async () => {
  [h, upstream] = await Promise.all([
    createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') }),
    startConformanceFixture(),
  ]);
  bus = h.newBus();
  worker = buildWorker({ env: parseEnv(ZWorkerEnv, { DATABASE_URL: h.db.url }), db: h.db, bus, log });
  worker.start();
});
afterAll(async () => {
  await worker?.stop();
  await bus?.close();
  await h?.close();
  await upstream?.close();
});

describe('the audit log says what went wrong', () => {
  it('names the tool a refused call asked for, gives error messages, and says why a call was denied', async () => {
    const seeded = await seedConformanceGateway(h, upstream.url);
    const proxy = await h.startProxy({ USAGE_BATCH_SIZE: '1', USAGE_FLUSH_INTERVAL_MS: '20' });
    const url = `${proxy.url}${seeded.path}`;
    const { headers } = await initializeSession(url, { authorization: `Bearer ${seeded.token}` });
    const call = async (name: string, extra: Record<string, string> = {}) =>
      rpc(
        url,
        { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: {} } },
        {
          ...headers,
          ...extra,
        },
      );

    const unknown = await call('no_such_tool', { 'x-request-id': 'unknown-tool' });
    expect(unknown.json).toMatchObject({ error: { message: 'Unknown tool: no_such_tool' } });
    await call('fails', { 'x-request-id': 'tool-error' });
    await call('down', { 'x-request-id': 'upstream-down' });
    const denied = await rpc(
      url,
      { jsonrpc: '2.0', id: 8, method: 'tools/list' },
      { authorization: `Bearer ${generateApiToken().token}`, 'x-request-id': 'denied' },
    );
    expect(denied.status).toBe(401);

    const ids = ['unknown-tool', 'tool-error', 'upstream-down', 'denied'];
    await eventually(async () => {
      const rows = await h.db.db.select().from(auditEvents).where(eq(auditEvents.tenantId, seeded.tenant.id));
      expect(rows.filter((r) => ids.includes(r.requestId ?? ''))).toHaveLength(ids.length);
    }, 15_000);

    const rows = await h.db.db.select().from(auditEvents).where(eq(auditEvents.tenantId, seeded.tenant.id));
    const byRequest = (requestId: string) => rows.find((r) => r.requestId === requestId);
    expect(byRequest('unknown-tool')).toMatchObject({
      status: 'error',
      toolName: null,
      requestedName: 'no_such_tool',
      response: { message: 'Unknown tool: no_such_tool' },
    });
    // A tool the gateway exposes is named as such, never as "requested".
    expect(byRequest('tool-error')).toMatchObject({
      status: 'tool_error',
      toolName: 'fails',
      requestedName: null,
      response: { isError: true },
    });
    expect(byRequest('upstream-down')).toMatchObject({
      status: 'error',
      toolName: 'down',
      requestedName: null,
      errorCode: -32010,
      response: { message: expect.stringMatching(/\S/) as string },
    });
    expect(byRequest('denied')).toMatchObject({ status: 'denied', policyOutcome: 'deny:unknown' });

    // Made-up names stay out of the rollups.
    const rollups = await h.db.db
      .select()
      .from(usageRollups)
      .where(eq(usageRollups.tenantId, seeded.tenant.id));
    expect(rollups.some((r) => r.toolName === 'no_such_tool')).toBe(false);
  });
});
