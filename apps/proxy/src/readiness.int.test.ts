import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createBus, type Bus } from '@toolgate/bus';
import { generateKeySpec } from '@toolgate/core/crypto';
import { parseEnv } from '@toolgate/core/env';
import { createLogger } from '@toolgate/core/logger';
import type { ReadinessReport } from '@toolgate/core/readiness';
import { parsePrometheusText, sampleValue } from '@toolgate/core/testing/prometheus-text';
import { createDb, type DbHandle } from '@toolgate/db/client';
import {
  createTestDatabase,
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  startTcpForwarder,
  type TcpForwarder,
  type TestDatabase,
} from '@toolgate/db/testing';
import { eventually, freePort } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildProxy, type Proxy } from './build-proxy.ts';
import { ZProxyEnv } from './env.ts';
import { discoverAndSeedTools, initializeSession, rpc } from './testing/harness.ts';
import { startHeaderEchoServer } from './testing/header-echo-server.ts';
import { startRedisServer, stopProcess } from './testing/redis-server.ts';

/**
 * Readiness means "can serve traffic". A proxy serves gateway configuration from Postgres, from
 * Redis, or from its own memory: losing one of them degrades it (still in rotation, reported in
 * the body and in `toolgate_proxy_degraded`); with both gone only a replica holding nothing
 * leaves the rotation. Redis is a private server the test kills; Postgres is made silent through
 * a TCP forwarder (the shared server is never stopped).
 */
const QUERY_TIMEOUT_MS = 1_000;
/** What a readiness answer may take: the checks' bound (2 s) and some slack. */
const READY_BOUND_MS = 3_000;

const log = createLogger({ name: 'readiness-test', level: 'silent', pretty: false });

interface RunningProxy {
  url: string;
  proxy: Proxy;
  close(): Promise<void>;
}

let echo: Awaited<ReturnType<typeof startHeaderEchoServer>>;
let redis: ChildProcess;
let redisPort: number;
let database: TestDatabase;
let forwarder: TcpForwarder;
/** The proxies' pool: through the forwarder, with the proxy's short timeouts. */
let proxyDb: DbHandle;
const prefix = `tgready-${Date.now()}`;
const sessionKeys = generateKeySpec('s1');
const secretKeys = generateKeySpec('k1');
const running: RunningProxy[] = [];
const buses: Bus[] = [];
let gatewayPath: string;
let token: string;
let warm: RunningProxy;

/** `redis: false`: the in-process bus, as one machine runs it. */
async function startProxy({ redis: withRedis = true } = {}): Promise<RunningProxy> {
  const env = parseEnv(ZProxyEnv, {
    DATABASE_URL: database.url,
    ...(withRedis ? { REDIS_URL: `redis://127.0.0.1:${redisPort}` } : {}),
    DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
    DATABASE_STATEMENT_TIMEOUT_MS: String(QUERY_TIMEOUT_MS - 200),
    TOOLGATE_SESSION_KEYS: sessionKeys,
    TOOLGATE_SECRET_KEYS: secretKeys,
    TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: 'true',
  });
  const bus = createBus({ redisUrl: env.REDIS_URL, prefix });
  buses.push(bus);
  const proxy = buildProxy({ env, db: proxyDb, bus, log });
  await proxy.start();
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.server.address() as AddressInfo;
  const handle = { url: `http://127.0.0.1:${port}`, proxy, close: () => proxy.drain(500) };
  running.push(handle);
  return handle;
}

async function readiness(base: string): Promise<{ status: number; body: ReadinessReport; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${base}/readyz`);
  return { status: res.status, body: (await res.json()) as ReadinessReport, ms: Date.now() - started };
}

async function degraded(base: string, dependency: string): Promise<number | undefined> {
  const samples = parsePrometheusText(await (await fetch(`${base}/metrics`)).text());
  return sampleValue(samples, 'toolgate_proxy_degraded', { dependency });
}

const STATELESS_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'readiness-test', version: '1' },
};

const slowCall = (id: number, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'slow', arguments: { ms: 0 }, ...(meta ? { _meta: meta } : {}) },
});

/**
 * The proxy serves this gateway: tool calls from a stateless (2026-07-28) client and, with
 * `sessions`, from a stateful one in a fresh session. (Whether a session is accepted while its
 * revocation state cannot be read is the revocation check's policy, not readiness'.)
 */
async function serves(base: string, { sessions = true } = {}): Promise<void> {
  const url = `${base}${gatewayPath}`;
  const auth = { authorization: `Bearer ${token}` };
  for (let id = 1; id <= 3; id++) {
    const res = await rpc(url, slowCall(id, STATELESS_META), {
      ...auth,
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'slow',
    });
    expect(res.json, res.text).toMatchObject({ id, result: { content: [{ text: 'done after 0 ms' }] } });
  }
  if (!sessions) return;
  const { headers } = await initializeSession(url, auth);
  for (let id = 1; id <= 3; id++) {
    const res = await rpc(url, slowCall(id), headers);
    expect(res.json, res.text).toMatchObject({ id, result: { content: [{ text: 'done after 0 ms' }] } });
  }
}

beforeAll(async () => {
  echo = await startHeaderEchoServer();
  redisPort = await freePort();
  redis = await startRedisServer(redisPort);
  database = await createTestDatabase(inject('postgresUrl'));
  const target = new URL(database.url);
  forwarder = await startTcpForwarder({ host: target.hostname, port: Number(target.port || 5432) });
  proxyDb = createDb({
    url: forwarder.urlFor(database.url),
    max: 4,
    queryTimeoutMs: QUERY_TIMEOUT_MS,
    statementTimeoutMs: QUERY_TIMEOUT_MS - 200,
  });

  const tenant = await seedTenant(database.db);
  const entry = await seedRegistryEntry(database.db, tenant.id, { slug: 'echo', url: echo.url });
  const installation = await seedInstallation(database.db, tenant.id, entry.id);
  await discoverAndSeedTools(database, tenant.id, installation.id, { url: echo.url });
  const gateway = await seedGateway(database.db, tenant.id);
  await seedAssignments(database.db, tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'slow', alias: 'slow' },
  ]);
  ({ token } = await seedApiToken(database.db, tenant.id));
  gatewayPath = `/mcp/${tenant.slug}/${gateway.slug}`;

  warm = await startProxy();
  await serves(warm.url);
});

afterAll(async () => {
  forwarder?.resume();
  await Promise.all(running.map((p) => p.close()));
  await Promise.all(buses.map((b) => b.close()));
  await proxyDb?.close();
  await forwarder?.close();
  await database?.destroy();
  if (redis) await stopProcess(redis);
  await echo?.close();
});

describe('proxy readiness during outages', () => {
  it('on the in-process bus checks Postgres only: there is no Redis to check', async () => {
    const single = await startProxy({ redis: false });
    const { status, body } = await readiness(single.url);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', ready: true });
    expect(Object.keys(body.checks)).toEqual(['postgres']);
    expect(body.checks.postgres).toMatchObject({ ok: true });
    expect(body.checks.postgres!.ms).toBeGreaterThanOrEqual(0);
  });

  it('reports ok when Postgres and Redis answer', async () => {
    const { status, body } = await readiness(warm.url);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ok',
      ready: true,
      checks: { postgres: { ok: true }, redis: { ok: true } },
    });
    // Each dependency checked, by name, with how long its check took, and no other.
    expect(Object.keys(body.checks).sort()).toEqual(['postgres', 'redis']);
    for (const check of Object.values(body.checks)) {
      expect(check.ms).toBeGreaterThanOrEqual(0);
      expect(check).not.toHaveProperty('error');
    }
    expect(await degraded(warm.url, 'redis')).toBe(0);
    expect(await degraded(warm.url, 'postgres')).toBe(0);
  });

  it('stays ready while Postgres is silent, answers within its bound, and keeps serving', async () => {
    forwarder.silence();
    try {
      await eventually(async () => {
        const { status, body, ms } = await readiness(warm.url);
        expect(ms).toBeLessThan(READY_BOUND_MS);
        expect(body).toMatchObject({
          status: 'degraded',
          ready: true,
          checks: { postgres: { ok: false }, redis: { ok: true } },
        });
        // The failed check says why and how long it was given.
        expect(body.checks.postgres!.error).toMatch(/\S/);
        expect(body.checks.postgres!.ms).toBeGreaterThan(0);
        expect(status).toBe(200);
      }, 5_000);
      expect(await degraded(warm.url, 'postgres')).toBe(1);
      await serves(warm.url);
      // What needs Postgres fails within the query timeout instead of hanging.
      const started = Date.now();
      const unknown = await rpc(
        `${warm.url}/mcp/no-such-tenant-${Date.now()}/gw`,
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        {
          authorization: `Bearer ${token}`,
        },
      );
      expect(unknown.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(QUERY_TIMEOUT_MS + 1_500);
    } finally {
      forwarder.resume();
    }
    await eventually(async () => expect((await readiness(warm.url)).body.status).toBe('ok'), 10_000);
  });

  it('stays ready during a Redis outage, reports itself degraded, and keeps serving', async () => {
    // Started before the outage (a proxy subscribes to invalidations at start), never used yet:
    // during the outage it compiles configuration from Postgres.
    const cold = await startProxy();
    await stopProcess(redis);
    try {
      await eventually(async () => {
        const { status, body } = await readiness(warm.url);
        expect(body).toMatchObject({ status: 'degraded', ready: true, checks: { redis: { ok: false } } });
        expect(status).toBe(200);
      }, 5_000);
      const { body, ms } = await readiness(warm.url);
      expect(body.checks.postgres).toMatchObject({ ok: true });
      expect(ms).toBeLessThan(READY_BOUND_MS);
      expect(await degraded(warm.url, 'redis')).toBe(1);
      expect(await degraded(warm.url, 'postgres')).toBe(0);
      await serves(warm.url);
      expect((await readiness(cold.url)).status).toBe(200);
      await serves(cold.url);
    } finally {
      redis = await startRedisServer(redisPort);
    }
    await eventually(async () => expect((await readiness(warm.url)).body.status).toBe('ok'), 10_000);
    expect(await degraded(warm.url, 'redis')).toBe(0);
  });

  it('with both down, keeps a replica that holds configuration and drops one that holds none', async () => {
    const cold = await startProxy();
    await stopProcess(redis);
    forwarder.silence();
    try {
      await eventually(async () => {
        const { status, body, ms } = await readiness(warm.url);
        expect(ms).toBeLessThan(READY_BOUND_MS);
        expect(body).toMatchObject({
          status: 'degraded',
          checks: { postgres: { ok: false }, redis: { ok: false } },
        });
        expect(status).toBe(200);
      }, 5_000);
      await serves(warm.url, { sessions: false });

      await eventually(async () => {
        const { status, body, ms } = await readiness(cold.url);
        expect(ms).toBeLessThan(READY_BOUND_MS);
        expect(body).toMatchObject({ status: 'unavailable', ready: false });
        expect(status).toBe(503);
      }, 5_000);
    } finally {
      forwarder.resume();
      redis = await startRedisServer(redisPort);
    }
    await eventually(async () => expect((await readiness(cold.url)).body.status).toBe('ok'), 10_000);
  });
});
