import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigRelay } from '@toolgate/auth/config-delivery';
import type { Bus } from '@toolgate/bus';
import { createLogger } from '@toolgate/core/logger';
import { configChanges } from '@toolgate/db/schema';
import { seedApiToken, seedGateway, startTcpForwarder, type TcpForwarder } from '@toolgate/db/testing';
import { eventually, freePort } from '@toolgate/fixtures/test-kit';
// The proxy package exports only its entry points; its test kit is reached by path.
import { createHarness, initializeSession, rpc, type RunningProxy } from '@toolgate/proxy/testing/harness';
import { startRedisServer, stopProcess } from '@toolgate/proxy/testing/redis-server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedOrg, type SeededOrg } from '../testing/api-test-env.ts';
import { deleteGateway } from './delete-gateway.ts';
import { revokeApiToken } from './revoke-api-token.ts';

/**
 * Invalidations are recorded with the write (the outbox) and delivered until they arrive, and
 * revocations are durable: partial outages of Redis never leave a revoked token, a removed
 * gateway or an ended session usable after Redis is reachable again from both sides.
 */
const redisUrl = inject('redisUrl');
const log = createLogger({ name: 'outbox-test', level: 'silent', pretty: false });
/** The bound: effective on every proxy within 5 s of Redis being reachable again. */
const RECOVERY_MS = 5_000;

type Harness = Awaited<ReturnType<typeof createHarness>>;

const ping = (url: string, token: string) =>
  rpc(
    url,
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    },
    { authorization: `Bearer ${token}` },
  );

async function seedGatewayWithToken(h: Harness, org: SeededOrg) {
  const gateway = await seedGateway(h.db.db, org.tenant.id);
  const token = await seedApiToken(h.db.db, org.tenant.id);
  return { gateway, token, path: `/mcp/${org.tenant.slug}/${gateway.slug}` };
}

const revoke = (h: Harness, bus: Bus, org: SeededOrg, tokenId: string) =>
  revokeApiToken({
    db: h.db.db,
    bus,
    tenantId: org.tenant.id,
    actor: org.actors.admin,
    tokenId,
  });

describe.skipIf(!redisUrl)('configuration changes across a partial Redis outage', () => {
  let h: Harness;
  let webLink: TcpForwarder;
  let proxyLink: TcpForwarder;
  let webBus: Bus;
  let proxy: RunningProxy;
  let cutOffProxy: RunningProxy;
  let org: SeededOrg;

  beforeAll(async () => {
    h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl });
    const target = new URL(redisUrl);
    const redis = { host: target.hostname, port: Number(target.port || 6379) };
    [webLink, proxyLink] = await Promise.all([startTcpForwarder(redis), startTcpForwarder(redis)]);
    webBus = h.newBus(webLink.urlFor(redisUrl));
    [proxy, cutOffProxy] = await Promise.all([
      h.startProxy(),
      h.startProxy({}, { redisUrl: proxyLink.urlFor(redisUrl) }),
    ]);
    org = await seedOrg(h.db);
  });
  afterAll(async () => {
    await webBus?.close();
    await h?.close();
    await Promise.all([webLink?.close(), proxyLink?.close()]);
  });

  it('answers a write made while the control plane cannot reach Redis, and delivers it once Redis is back', async () => {
    const { token, path } = await seedGatewayWithToken(h, org);
    expect((await ping(proxy.url + path, token.token)).status).toBe(200);

    webLink.dropConnections();
    webLink.silence();
    // Committed, so it answers: delivery is the outbox's job (before, this threw and REST said 500).
    const revoked = await revoke(h, webBus, org, token.id);
    expect(revoked.revokedAt).not.toBeNull();
    const pending = await h.db.db
      .select()
      .from(configChanges)
      .where(eq(configChanges.tenantId, org.tenant.id));
    expect(pending.map((p) => p.change.tokenHashes)).toEqual([[token.tokenHash]]);
    // Nothing reached the proxies yet: the cached principal still authenticates.
    expect((await ping(proxy.url + path, token.token)).status).toBe(200);

    const relay = new ConfigRelay({
      db: h.db.db,
      bus: webBus,
      log,
      intervalMs: 200,
      graceMs: 0,
      tenantIds: [org.tenant.id],
    });
    relay.start();
    try {
      webLink.resume();
      await eventually(async () => {
        expect((await ping(proxy.url + path, token.token)).status).toBe(401);
      }, RECOVERY_MS);
      await eventually(async () => {
        const left = await h.db.db
          .select()
          .from(configChanges)
          .where(eq(configChanges.tenantId, org.tenant.id));
        expect(left).toEqual([]);
      }, RECOVERY_MS);
    } finally {
      await relay.stop();
    }
  });

  it('has a proxy that was cut off from Redis notice the change it missed, within 5 s of reconnecting', async () => {
    const { token, path } = await seedGatewayWithToken(h, org);
    expect((await ping(cutOffProxy.url + path, token.token)).status).toBe(200);

    proxyLink.dropConnections();
    proxyLink.silence();
    // Delivered while this proxy hears nothing: its subscription is down.
    await revoke(h, h.newBus(), org, token.id);
    expect((await ping(proxy.url + path, token.token)).status).toBe(401);

    proxyLink.resume();
    await eventually(async () => {
      expect((await ping(cutOffProxy.url + path, token.token)).status).toBe(401);
    }, RECOVERY_MS);
    expect(cutOffProxy.proxy.store.stats.resyncs).toBeGreaterThan(0);
  });
});

describe.skipIf(!redisUrl)('ended sessions across Redis outages', () => {
  let redis: ChildProcess;
  let port: number;
  let h: Harness;
  let proxy: RunningProxy;
  let org: SeededOrg;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedisServer(port);
    h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: `redis://127.0.0.1:${port}` });
    proxy = await h.startProxy();
    org = await seedOrg(h.db);
  });
  afterAll(async () => {
    await h?.close();
    if (redis) await stopProcess(redis);
  });

  const call = (url: string, headers: Record<string, string>) =>
    rpc(url, { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }, headers);

  it('stay ended while Redis is down and after it restarts empty; live sessions keep working', async () => {
    const { token, path } = await seedGatewayWithToken(h, org);
    const url = proxy.url + path;
    const auth = { authorization: `Bearer ${token.token}` };
    const ended = (await initializeSession(url, auth)).headers;
    const live = (await initializeSession(url, auth)).headers;
    const deleted = await fetch(url, { method: 'DELETE', headers: ended });
    expect(deleted.status).toBe(200);
    expect((await call(url, ended)).status).toBe(404);

    await stopProcess(redis);
    // Redis cannot answer: Postgres, which holds every revocation, does.
    expect((await call(url, ended)).status).toBe(404);
    expect((await call(url, live)).status).toBe(200);

    redis = await startRedisServer(port);
    await eventually(async () => expect((await call(url, live)).status).toBe(200));
    expect((await call(url, ended)).status).toBe(404);
    // The first check that found the cache emptied had it filled again from Postgres.
    await eventually(async () => {
      await call(url, live);
      expect(await proxy.bus.revocations.hasAny([])).toBe(false);
    });
    expect((await call(url, ended)).status).toBe(404);
  });

  it('end on DELETE even while Redis is down, and stay ended once it is back', async () => {
    const { token, path } = await seedGatewayWithToken(h, org);
    const url = proxy.url + path;
    const headers = (await initializeSession(url, { authorization: `Bearer ${token.token}` })).headers;
    await stopProcess(redis);
    try {
      expect((await fetch(url, { method: 'DELETE', headers })).status).toBe(200);
      expect((await call(url, headers)).status).toBe(404);
    } finally {
      redis = await startRedisServer(port);
    }
    await eventually(async () => expect((await call(url, headers)).status).toBe(404));
  });
});

describe.skipIf(!redisUrl)('configuration changes while Redis is down and comes back with its data', () => {
  let redis: ChildProcess;
  let port: number;
  let dataDir: string;
  let h: Harness;
  let proxy: RunningProxy;
  let org: SeededOrg;

  beforeAll(async () => {
    port = await freePort();
    dataDir = await mkdtemp(path.join(tmpdir(), 'tg-redis-'));
    redis = await startRedisServer(port, { dataDir });
    h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: `redis://127.0.0.1:${port}` });
    proxy = await h.startProxy();
    org = await seedOrg(h.db);
  });
  afterAll(async () => {
    await h?.close();
    if (redis) await stopProcess(redis);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('removes a gateway deleted during the outage from every proxy within 5 s of Redis returning', async () => {
    const { gateway, token, path: gatewayPath } = await seedGatewayWithToken(h, org);
    const url = proxy.url + gatewayPath;
    // The snapshot is now in this proxy's memory and in Redis, which keeps it on disk.
    expect((await ping(url, token.token)).status).toBe(200);

    await stopProcess(redis);
    const webBus = h.newBus();
    try {
      await deleteGateway({
        db: h.db.db,
        bus: webBus,
        tenantId: org.tenant.id,
        actor: org.actors.admin,
        gatewayId: gateway.id,
      });
      // Served from memory meanwhile: nothing could tell this proxy.
      expect((await ping(url, token.token)).status).toBe(200);

      redis = await startRedisServer(port, { dataDir });
      const relay = new ConfigRelay({
        db: h.db.db,
        bus: webBus,
        log,
        intervalMs: 200,
        graceMs: 0,
        tenantIds: [org.tenant.id],
      });
      relay.start();
      try {
        await eventually(async () => expect((await ping(url, token.token)).status).toBe(404), RECOVERY_MS);
      } finally {
        await relay.stop();
      }
    } finally {
      await webBus.close();
    }
  });
});
