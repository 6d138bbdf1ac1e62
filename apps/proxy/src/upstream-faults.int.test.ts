import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
} from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createHarness,
  discoverAndSeedTools,
  initializeSession,
  rpc,
  type Harness,
  type RunningProxy,
} from './testing/harness.ts';
import { captureLogs, LEVEL } from './testing/log-capture.ts';

/** An upstream process that dies mid-call and comes back: one clear error, then service as before. */
let h: Harness;
let upstream: RunningEverythingServer;
let port: number;
let proxy: RunningProxy;
let url: string;
let auth: Record<string, string>;
let logs: ReturnType<typeof captureLogs>;
let installationId: string;

const call = (headers: Record<string, string>, id: number, name: string, args: Record<string, unknown>) =>
  rpc(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }, headers);

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  upstream = await startEverythingServer('streamableHttp');
  port = Number(new URL(upstream.url).port);
  const { db } = h;
  const tenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'ev', url: upstream.url });
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  installationId = installation.id;
  await discoverAndSeedTools(db, tenant.id, installation.id, { url: upstream.url });
  const gateway = await seedGateway(db.db, tenant.id, { slug: 'faults' });
  await seedAssignments(db.db, tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'echo', alias: 'echo' },
    { registryEntryId: entry.id, toolName: 'trigger-long-running-operation', alias: 'long' },
  ]);
  auth = { authorization: `Bearer ${(await seedApiToken(db.db, tenant.id)).token}` };
  logs = captureLogs();
  proxy = await h.startProxy({ UPSTREAM_CALL_TIMEOUT_MS: '20000' }, { log: logs.log });
  url = `${proxy.url}/mcp/${tenant.slug}/faults`;
});
afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

describe('an upstream killed and restarted', () => {
  it('fails the call in flight with a JSON-RPC error naming the upstream, then serves again once it is back', async () => {
    const { headers } = await initializeSession(url, auth);
    expect((await call(headers, 1, 'echo', { message: 'before' })).status).toBe(200);

    // Progress on the call's own stream shows it is running upstream when the process dies.
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'long', arguments: { duration: 15, steps: 15 }, _meta: { progressToken: 'p' } },
      }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    const decoder = new TextDecoder();
    let stream = '';
    while (!stream.includes('notifications/progress')) {
      const { value, done } = await reader.read();
      if (done) break;
      stream += decoder.decode(value, { stream: true });
    }
    expect(stream).toContain('notifications/progress');
    const started = Date.now();
    // SIGKILL: no goodbye, the connection just drops.
    process.kill(upstream.pid, 'SIGKILL');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stream += decoder.decode(value, { stream: true });
    }
    // Answered soon after the death, not at the call timeout, with an error naming the upstream.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(stream).toMatch(/"id":2,"error":\{[^}]*upstream 'ev'/);

    // While it is down: a clear error, quickly, and the proxy stays up.
    const down = await call(headers, 3, 'echo', { message: 'down' });
    expect(down.status).toBeLessThan(500);
    expect(down.text).toMatch(/upstream 'ev'/);
    // One warning per failed call, whatever the pool tried underneath, and nothing else.
    const warnings = logs.lines.filter((l) => l.level >= LEVEL.warn);
    expect(warnings).toMatchObject([
      {
        msg: 'upstream request failed',
        installationId,
        upstream: 'ev',
        tool: 'trigger-long-running-operation',
      },
      { msg: 'upstream request failed', installationId, tool: 'echo', errorClass: 'connect_refused' },
    ]);
    expect(warnings.map((l) => l.host)).toEqual([`127.0.0.1:${port}`, `127.0.0.1:${port}`]);

    upstream = await startEverythingServer('streamableHttp', { port });
    await eventually(async () => {
      const back = await call(headers, 4, 'echo', { message: 'after' });
      expect(back.text).toContain('Echo: after');
    }, 10_000);
  });
});
