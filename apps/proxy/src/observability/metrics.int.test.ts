import type { ChildProcess } from 'node:child_process';
import { generateApiToken } from '@toolgate/core/api-token';
import { parsePrometheusText, sampleValue, type Sample } from '@toolgate/core/testing/prometheus-text';
import { startConformanceFixture } from '@toolgate/fixtures/conformance-server';
import type { RunningHttpServer } from '@toolgate/fixtures/streamable-http-host';
import { eventually, freePort } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createHarness,
  type Harness,
  initializeSession,
  rpc,
  seedConformanceGateway,
} from '../testing/harness.ts';
import { startRedisServer, stopProcess } from '../testing/redis-server.ts';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

type World = Awaited<ReturnType<typeof seedConformanceGateway>>;

/** Raw JSON-RPC over one stateful session. */
async function session(base: string, world: World) {
  const url = `${base}${world.path}`;
  const { headers } = await initializeSession(url, { authorization: `Bearer ${world.token}` });
  let id = 1;
  return {
    url,
    async call(name: string) {
      const res = await rpc(
        url,
        { jsonrpc: '2.0', id: id++, method: 'tools/call', params: { name, arguments: {} } },
        headers,
      );
      expect(res.status).toBe(200);
      return res.json!;
    },
  };
}

async function scrape(base: string, token = METRICS_TOKEN): Promise<Sample[]> {
  const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

let h: Harness;
let upstream: RunningHttpServer;
beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  upstream = await startConformanceFixture();
});
afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

describe('GET /metrics on the proxy', () => {
  it('asks for the bearer token when one is configured, outside tenant routing', async () => {
    const proxy = await h.startProxy({ METRICS_TOKEN });
    expect((await fetch(`${proxy.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${proxy.url}/metrics`, { headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect((await fetch(`${proxy.url}/metrics`, { method: 'POST' })).status).toBe(405);
    const samples = await scrape(proxy.url);
    // Process metrics come with the registry; no traffic yet, so no request series.
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'toolgate_mcp_requests_total')).toBeUndefined();

    const open = await h.startProxy();
    expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
  });

  it('counts messages, tool calls by outcome, upstream latency, auth failures and snapshot lookups', async () => {
    const world = await seedConformanceGateway(h, upstream.url);
    const proxy = await h.startProxy({ METRICS_TOKEN, METRICS_TENANT_LABELS: 'gateway' });
    const s = await session(proxy.url, world);
    for (let i = 0; i < 3; i++)
      expect(await s.call('ok')).toMatchObject({ result: { content: [{ type: 'text' }] } });
    expect(await s.call('fails')).toMatchObject({ result: { isError: true } });
    expect(await s.call('down')).toMatchObject({ error: { data: { kind: 'connect' } } });

    const body = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    expect((await rpc(s.url, body)).status).toBe(401);
    expect((await rpc(s.url, body, { authorization: 'Bearer not-a-toolgate-token' })).status).toBe(401);
    expect((await rpc(s.url, body, { authorization: `Bearer ${generateApiToken().token}` })).status).toBe(
      401,
    );
    expect((await rpc(`${proxy.url}/mcp/no-such-tenant/x`, body, { authorization: 'Bearer x' })).status).toBe(
      401,
    );

    // The tools/call counters move when the message is finished, after its answer was sent.
    let samples: Sample[] = [];
    await eventually(async () => {
      samples = await scrape(proxy.url);
      expect(sampleValue(samples, 'toolgate_tool_call_duration_seconds_count')).toBe(5);
    });
    const scope = { tenant: world.tenant.id, gateway: world.gateway.id };
    const calls = (status: string) => sampleValue(samples, 'toolgate_tool_calls_total', { ...scope, status });
    expect(calls('ok')).toBe(3);
    expect(calls('tool_error')).toBe(1);
    expect(calls('error')).toBe(1);
    const requests = (method: string, status: string) =>
      sampleValue(samples, 'toolgate_mcp_requests_total', { ...scope, method, status });
    expect(requests('initialize', 'ok')).toBe(1);
    expect(requests('tools/call', 'ok')).toBe(3);
    expect(requests('tools/call', 'tool_error')).toBe(1);
    // Refused before the body was read: a known tenant's, the method is not known yet.
    expect(requests('unread', 'denied')).toBe(3);
    expect(
      sampleValue(samples, 'toolgate_mcp_requests_total', { tenant: 'unknown', gateway: 'unknown' }),
    ).toBe(1);
    expect(sampleValue(samples, 'toolgate_tool_call_duration_seconds_count', scope)).toBe(5);

    const upstreamCount = (status: string) =>
      sampleValue(samples, 'toolgate_upstream_request_duration_seconds_count', {
        transport: 'streamable_http',
        status,
      });
    expect(upstreamCount('ok')).toBe(4);
    expect(upstreamCount('connect')).toBe(1);

    const auth = (reason: string) => sampleValue(samples, 'toolgate_auth_failures_total', { reason });
    expect(auth('missing')).toBe(1);
    expect(auth('malformed')).toBe(1);
    expect(auth('unknown')).toBe(1);
    expect(auth('unknown_tenant')).toBe(1);

    const cache = (layer: string, result: string) =>
      sampleValue(samples, 'toolgate_snapshot_cache_total', { layer, result });
    // Nine messages to this gateway: one load, then hits; the unknown tenant is one more miss.
    expect(cache('lru', 'miss')).toBe(2);
    expect(cache('lru', 'hit')).toBe(8);
    expect((cache('redis', 'miss') ?? 0) + (cache('redis', 'hit') ?? 0)).toBe(2);
    expect(cache('compiled', 'hit')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'toolgate_upstream_pool', { state: 'sessions' })).toBe(1);
  });

  it('keeps tenant and gateway ids out of the labels by default in a fleet, and caps them when asked', async () => {
    const world = await seedConformanceGateway(h, upstream.url);
    const other = await seedConformanceGateway(h, upstream.url);
    const none = await h.startProxy({ METRICS_TENANT_LABELS: 'none' });
    const capped = await h.startProxy({ METRICS_TENANT_LABELS: 'gateway', METRICS_MAX_LABELLED: '1' });
    for (const proxy of [none, capped]) {
      await (await session(proxy.url, world)).call('ok');
      await (await session(proxy.url, other)).call('ok');
    }
    await eventually(async () => {
      const samples = await scrape(none.url);
      expect(sampleValue(samples, 'toolgate_tool_calls_total', { tenant: 'all', gateway: 'all' })).toBe(2);
      expect(samples.filter((x) => x.name === 'toolgate_tool_calls_total')).toHaveLength(1);
    });
    await eventually(async () => {
      const samples = await scrape(capped.url);
      const scope = { tenant: world.tenant.id, gateway: world.gateway.id };
      expect(sampleValue(samples, 'toolgate_tool_calls_total', scope)).toBe(1);
      expect(sampleValue(samples, 'toolgate_tool_calls_total', { tenant: 'other', gateway: 'other' })).toBe(
        1,
      );
    });
  });

  it('shows usage events waiting in the buffer', async () => {
    const world = await seedConformanceGateway(h, upstream.url);
    // No timer flush and large batches: the events stay buffered.
    const proxy = await h.startProxy({
      METRICS_TOKEN,
      USAGE_BATCH_SIZE: '500',
      USAGE_FLUSH_INTERVAL_MS: '3600000',
    });
    const s = await session(proxy.url, world);
    await s.call('ok');
    await eventually(async () => {
      const samples = await scrape(proxy.url);
      expect(sampleValue(samples, 'toolgate_usage_events_buffered')).toBe(2);
      expect(sampleValue(samples, 'toolgate_usage_events_recorded_total')).toBe(2);
      expect(sampleValue(samples, 'toolgate_usage_events_dropped_total')).toBe(0);
    });
  });
});

describe('GET /metrics while the usage queue is down', () => {
  let redis: ChildProcess | undefined;
  let port: number;
  let hr: Harness;
  beforeAll(async () => {
    port = await freePort();
    redis = await startRedisServer(port);
    hr = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    if (redis) await stopProcess(redis);
    await hr?.close();
  });

  it('counts the events the full buffer drops', async () => {
    const world = await seedConformanceGateway(hr, upstream.url);
    const proxy = await hr.startProxy({ USAGE_BUFFER_MAX_EVENTS: '4', USAGE_FLUSH_INTERVAL_MS: '50' });
    const s = await session(proxy.url, world);
    await eventually(async () =>
      expect(sampleValue(await scrape(proxy.url), 'toolgate_usage_events_buffered')).toBe(0),
    );

    await stopProcess(redis!);
    try {
      for (let i = 0; i < 10; i++) await s.call('ok');
      await eventually(async () => {
        const samples = await scrape(proxy.url);
        expect(sampleValue(samples, 'toolgate_usage_events_dropped_total')).toBe(6);
        expect(sampleValue(samples, 'toolgate_usage_events_buffered')).toBe(4);
        expect(sampleValue(samples, 'toolgate_usage_enqueue_failures_total')).toBeGreaterThan(0);
      }, 10_000);
    } finally {
      // Back up, so that shutting down does not wait on a dead queue.
      redis = await startRedisServer(port);
    }
  });
});
