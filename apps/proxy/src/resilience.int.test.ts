import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
} from '@toolgate/db/testing';
import { everythingStdioCommand } from '@toolgate/fixtures/everything';
import { eventually, freePort } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectClient,
  createHarness,
  discoverAndSeedTools,
  type Harness,
  initializeSession,
  rpc,
} from './testing/harness.ts';
import { startHeaderEchoServer } from './testing/header-echo-server.ts';
import { startRedisServer, stopProcess } from './testing/redis-server.ts';

type EchoServer = Awaited<ReturnType<typeof startHeaderEchoServer>>;

/** Seeds a tenant with a gateway that exposes the echo server's tools; returns what callers need. */
async function seedEchoGateway(h: Harness, echo: EchoServer) {
  const { db } = h;
  const tenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'echo', url: echo.url });
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  await discoverAndSeedTools(db, tenant.id, installation.id, { url: echo.url });
  const gateway = await seedGateway(db.db, tenant.id);
  await seedAssignments(db.db, tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'slow', alias: 'slow' },
    { registryEntryId: entry.id, toolName: 'whoami', alias: 'whoami' },
  ]);
  const { token } = await seedApiToken(db.db, tenant.id);
  return { path: `/mcp/${tenant.slug}/${gateway.slug}`, token };
}

async function openSession(url: string, token: string) {
  return (await initializeSession(url, { authorization: `Bearer ${token}` })).headers;
}

const slowCall = (id: number, ms = 0) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'slow', arguments: { ms } },
});

let echo: EchoServer;
beforeAll(async () => {
  echo = await startHeaderEchoServer();
});
afterAll(async () => echo?.close());

describe('Redis outage', () => {
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

  it('keeps answering from in-process state while Redis is down, and uses it again when it is back', async () => {
    const { path, token } = await seedEchoGateway(h, echo);
    const proxy = await h.startProxy();
    const url = `${proxy.url}${path}`;
    const headers = await openSession(url, token);
    expect((await rpc(url, slowCall(1), headers)).json).toMatchObject({
      result: { content: [{ text: 'done after 0 ms' }] },
    });

    await stopProcess(redis);
    // Still ready (it serves from cache), reported degraded: see readiness.int.test.ts.
    await eventually(async () => {
      const res = await fetch(`${proxy.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'degraded' });
    }, 5_000);
    // No waiting on a dead Redis (a command would take its 1 s timeout): commands fail fast and
    // local caches answer, so 20 calls take far less than 20 s.
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      const res = await rpc(url, slowCall(100 + i), headers);
      expect(res.json).toMatchObject({ id: 100 + i, result: { content: [{ text: 'done after 0 ms' }] } });
    }
    expect(Date.now() - started).toBeLessThan(5_000);

    redis = await startRedisServer(port);
    await eventually(async () => {
      const res = await fetch(`${proxy.url}/readyz`);
      expect(await res.json()).toMatchObject({ status: 'ok' });
    }, 10_000);
    const fresh = await openSession(url, token);
    expect((await rpc(url, slowCall(200), fresh)).json).toMatchObject({
      result: { content: [{ text: 'done after 0 ms' }] },
    });
  });
});

describe('Postgres outage', () => {
  it('serves configuration and tokens from the shared cache to a replica that never saw them', async () => {
    const redisUrl = inject('redisUrl');
    if (!redisUrl) return; // needs a shared cache: the in-process bus has no second replica
    const h = await createHarness({ postgresUrl: '', redisUrl });
    try {
      const { path, token } = await seedEchoGateway(h, echo);
      const warm = await h.startProxy();
      await openSession(`${warm.url}${path}`, token); // compiles the snapshot and caches the token in Redis
      const cold = await h.startProxy();
      await h.db.stopServer!();
      const headers = await openSession(`${cold.url}${path}`, token);
      const res = await rpc(`${cold.url}${path}`, slowCall(1), headers);
      expect(res.json).toMatchObject({ result: { content: [{ text: 'done after 0 ms' }] } });
      expect(cold.proxy.store.stats.compiles).toBe(0);
      expect(cold.proxy.store.stats.sharedHits).toBeGreaterThan(0);
    } finally {
      await h.close();
    }
  });
});

describe('replicas coming and going', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  });
  afterAll(async () => h?.close());

  it('loses no session when a replica dies mid-run', async () => {
    const { path, token } = await seedEchoGateway(h, echo);
    const [a, b] = await Promise.all([h.startProxy(), h.startProxy()]);
    const headers = await openSession(`${a.url}${path}`, token);
    let ok = 0;
    for (let i = 0; i < 30; i++) {
      if (i === 10) {
        // Abrupt: connections cut, nothing drained.
        a.proxy.server.closeAllConnections();
        a.proxy.server.close();
      }
      const target = i < 10 && i % 2 === 0 ? a : b;
      const res = await rpc(`${target.url}${path}`, slowCall(i), headers);
      if ((res.json?.result as { content?: unknown } | undefined)?.content) ok++;
    }
    expect(ok).toBe(30);
  });

  it('drains on shutdown: in-flight calls finish, new connections are refused', async () => {
    const { path, token } = await seedEchoGateway(h, echo);
    const proxy = await h.startProxy();
    const url = `${proxy.url}${path}`;
    const headers = await openSession(url, token);
    const inFlight = rpc(url, slowCall(1, 400), headers);
    await eventually(() => expect(proxy.proxy.dispatcher.calls.size).toBe(1), 2_000);
    const drained = proxy.proxy.drain(5_000);
    await expect(fetch(`${proxy.url}/healthz`)).rejects.toThrow();
    expect((await inFlight).json).toMatchObject({ result: { content: [{ text: 'done after 400 ms' }] } });
    await drained;
  });
});

describe('cancellation', () => {
  it('forwards a client cancellation upstream and frees the call', async () => {
    const h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
    try {
      const { path, token } = await seedEchoGateway(h, echo);
      const proxy = await h.startProxy();
      const { client } = await connectClient(`${proxy.url}${path}`, token);
      const controller = new AbortController();
      const call = client.callTool({ name: 'slow', arguments: { ms: 30_000 } }, undefined, {
        signal: controller.signal,
      });
      await eventually(() => expect(proxy.proxy.dispatcher.calls.size).toBe(1), 10_000);
      // The upstream runs the call: a cancellation before that never reaches it (nothing to cancel).
      await eventually(() => expect(echo.running).toContain(30_000), 10_000);
      controller.abort();
      await expect(call).rejects.toThrow();
      await eventually(() => expect(echo.cancelled).toContain(30_000), 10_000);
      await eventually(() => expect(proxy.proxy.dispatcher.calls.size).toBe(0), 10_000);
      await client.close();
    } finally {
      await h.close();
    }
  });
});

describe('stdio upstreams', () => {
  it('share one child process per installation across many sessions, and leak none', async () => {
    const h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
    const cmd = everythingStdioCommand();
    const entryScript = cmd.args[0]!;
    const children = () =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((pid) => {
          try {
            const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
            const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
            return ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(entryScript);
          } catch {
            return false;
          }
        });
    try {
      const { db } = h;
      const tenant = await seedTenant(db.db);
      const entry = await seedRegistryEntry(db.db, tenant.id, {
        transport: 'stdio',
        url: null,
        command: cmd.command,
        args: cmd.args,
      });
      const installation = await seedInstallation(db.db, tenant.id, entry.id);
      await discoverAndSeedTools(db, tenant.id, installation.id, cmd);
      const gateway = await seedGateway(db.db, tenant.id);
      await seedAssignments(db.db, tenant.id, gateway.id, [
        { registryEntryId: entry.id, toolName: 'echo', alias: 'echo' },
      ]);
      const { token } = await seedApiToken(db.db, tenant.id);
      const proxy = await h.startProxy();
      const before = children().length;
      const url = `${proxy.url}/mcp/${tenant.slug}/${gateway.slug}`;
      for (let i = 0; i < 25; i++) {
        const headers = await openSession(url, token);
        const res = await rpc(
          url,
          {
            jsonrpc: '2.0',
            id: i,
            method: 'tools/call',
            params: { name: 'echo', arguments: { message: `s${i}` } },
          },
          headers,
        );
        expect(res.json).toMatchObject({ result: { content: [{ type: 'text', text: `Echo: s${i}` }] } });
        expect((await fetch(url, { method: 'DELETE', headers })).status).toBe(200);
      }
      expect(children().length - before).toBe(1);
      await proxy.close();
      await eventually(() => expect(children().length).toBe(before), 5_000);
    } finally {
      await h.close();
    }
  });
});
