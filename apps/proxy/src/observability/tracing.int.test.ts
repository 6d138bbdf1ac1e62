import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UsageConsumer } from '@toolgate/bus';
import type { UsageEvent } from '@toolgate/core/usage';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
} from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createHarness,
  type Harness,
  initializeSession,
  rpc,
  type RunningProxy,
} from '../testing/harness.ts';
import { startHeaderEchoServer } from '../testing/header-echo-server.ts';
import { tracingSdkLoads } from './tracing.ts';

/** A span as the OTLP/HTTP JSON exporter sends it (ids in hex), with its attributes flattened. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number };
  resource: Record<string, unknown>;
}

type OtlpAttribute = { key: string; value: Record<string, unknown> };

const flatten = (attributes: OtlpAttribute[] | undefined): Record<string, unknown> =>
  Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]]));

/** An OTLP/HTTP traces receiver: what a collector would get from the proxy. */
async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const requests: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (
        req.method !== 'POST' ||
        req.url !== '/v1/traces' ||
        !req.headers['content-type']?.includes('json')
      ) {
        res.writeHead(415).end();
        return;
      }
      requests.push(req.headers);
      const body = JSON.parse(Buffer.concat(chunks).toString()) as {
        resourceSpans?: {
          resource?: { attributes?: OtlpAttribute[] };
          scopeSpans?: {
            spans?: (Omit<ReceivedSpan, 'attributes' | 'resource'> & { attributes?: OtlpAttribute[] })[];
          }[];
        }[];
      };
      for (const rs of body.resourceSpans ?? []) {
        const resource = flatten(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? [])
          for (const span of ss.spans ?? [])
            spans.push({ ...span, attributes: flatten(span.attributes), resource });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

let h: Harness;
let echo: Awaited<ReturnType<typeof startHeaderEchoServer>>;
let world: { path: string; token: string };
/** The trace the tracing-off proxy was called with: no span of it may ever be exported. */
let untracedTraceId = '';

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  echo = await startHeaderEchoServer();
  const { db } = h;
  const tenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'echo', url: echo.url });
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  await seedTools(db.db, tenant.id, installation.id, [{ name: 'whoami', inputSchema: { type: 'object' } }]);
  const gateway = await seedGateway(db.db, tenant.id);
  await seedAssignments(db.db, tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'whoami', alias: 'whoami' },
  ]);
  const { token } = await seedApiToken(db.db, tenant.id);
  world = { path: `/mcp/${tenant.slug}/${gateway.slug}`, token };
});
afterAll(async () => {
  await h?.close();
  await echo?.close();
});

/** One stateful session; `whoami` answers with the headers the upstream received. */
async function session(proxy: RunningProxy) {
  const url = `${proxy.url}${world.path}`;
  const { init, headers } = await initializeSession(
    url,
    { authorization: `Bearer ${world.token}` },
    { 'x-request-id': `init-${hex(4)}` },
  );
  return {
    url,
    initRequestId: init.headers.get('x-request-id')!,
    async whoami(extra: Record<string, string> = {}): Promise<Record<string, string>> {
      const res = await rpc(
        url,
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
        { ...headers, ...extra },
      );
      expect(res.status).toBe(200);
      expect(res.json).toHaveProperty('result');
      const text = (res.json as { result: { content: { text: string }[] } }).result.content[0]!.text;
      return JSON.parse(text) as Record<string, string>;
    },
  };
}

describe('tracing off (no OTLP endpoint)', () => {
  it('loads no SDK, keeps no tracer, and passes the caller’s trace context on unchanged', async () => {
    const proxy = await h.startProxy();
    expect(proxy.proxy.observability.tracer).toBeUndefined();
    const s = await session(proxy);
    untracedTraceId = hex(16);
    const traceparent = `00-${untracedTraceId}-${hex(8)}-01`;
    const seen = await s.whoami({ traceparent, tracestate: 'client=1' });
    expect(seen.traceparent).toBe(traceparent);
    expect(seen.tracestate).toBe('client=1');

    const plain = await s.whoami();
    expect(plain.traceparent).toBeUndefined();
    // Invalid context is not relayed.
    const invalid = await s.whoami({ traceparent: `00-${'0'.repeat(32)}-${hex(8)}-01` });
    expect(invalid.traceparent).toBeUndefined();
    expect(tracingSdkLoads()).toBe(0);
  });
});

describe('tracing on (OTLP/HTTP exporter)', () => {
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let proxy: RunningProxy | undefined;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    // A proxy exports its last spans while draining: close it while the receiver listens.
    await proxy?.close();
    await receiver?.close();
  });

  it('exports a span tree per tools/call, shares the trace with the upstream and the usage event', async () => {
    proxy = await h.startProxy({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=sesame%20open',
      USAGE_FLUSH_INTERVAL_MS: '50',
    });
    const tracer = proxy.proxy.observability.tracer;
    expect(tracer).toBeDefined();
    expect(tracingSdkLoads()).toBe(1);

    const events: UsageEvent[] = [];
    const consumer: UsageConsumer = proxy.bus.usage.consume(async (batch) => {
      events.push(...(batch.events as UsageEvent[]));
    });
    try {
      const s = await session(proxy);
      const traceId = hex(16);
      const clientSpanId = hex(8);
      const seen = await s.whoami({
        traceparent: `00-${traceId}-${clientSpanId}-01`,
        'x-request-id': 'traced-call',
      });
      const upstreamContext = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(seen.traceparent ?? '');
      expect(upstreamContext?.[1]).toBe(traceId);
      expect(upstreamContext?.[2]).not.toBe(clientSpanId);

      const denied = hex(16);
      const refused = await rpc(
        s.url,
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        { traceparent: `00-${denied}-${hex(8)}-01` },
      );
      expect(refused.status).toBe(401);

      await tracer!.tracing.forceFlush();
      const ofTrace = (id: string) => receiver.spans.filter((span) => span.traceId === id);
      await eventually(() => expect(ofTrace(traceId)).toHaveLength(5));
      const byName = Object.fromEntries(ofTrace(traceId).map((span) => [span.name, span]));
      const request = byName['mcp.request']!;
      const authenticate = byName['mcp.authenticate']!;
      const call = byName['mcp.tools.call']!;
      const credential = byName['mcp.credential.resolve']!;
      const upstream = byName['mcp.upstream.call']!;
      expect(request.parentSpanId).toBe(clientSpanId);
      expect(authenticate.parentSpanId).toBe(request.spanId);
      expect(call.parentSpanId).toBe(request.spanId);
      expect(credential.parentSpanId).toBe(call.spanId);
      expect(upstream.parentSpanId).toBe(call.spanId);
      // The upstream's own spans hang under our upstream call.
      expect(upstreamContext?.[2]).toBe(upstream.spanId);
      expect(request.kind).toBe(2); // SERVER
      expect(upstream.kind).toBe(3); // CLIENT
      expect(request.attributes).toMatchObject({
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'whoami',
        'toolgate.status': 'ok',
        'toolgate.request.id': 'traced-call',
      });
      expect(authenticate.attributes['toolgate.auth.method']).toBe('api_token');
      expect(upstream.attributes['toolgate.upstream.transport']).toBe('streamable_http');
      expect(request.resource['service.name']).toBe('toolgate-proxy');

      const refusal = ofTrace(denied);
      expect(refusal.map((span) => span.name).sort()).toEqual(['mcp.authenticate', 'mcp.request']);
      expect(
        refusal.find((span) => span.name === 'mcp.authenticate')!.attributes['toolgate.auth.failure'],
      ).toBe('missing');

      expect(receiver.requests[0]?.['x-collector-key']).toBe('sesame open');
      // Nothing of what the tracing-off proxy handled was ever exported.
      expect(ofTrace(untracedTraceId)).toEqual([]);

      // The audit log names the same traces: the client's, or the one the proxy started.
      await eventually(() => {
        const byRequest = new Map(events.map((e) => [e.requestId, e]));
        expect(byRequest.get('traced-call')?.traceId).toBe(traceId);
        const init = byRequest.get(s.initRequestId);
        const initSpan = receiver.spans.find(
          (span) => span.attributes['toolgate.request.id'] === s.initRequestId,
        );
        expect(init?.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(init?.traceId).toBe(initSpan?.traceId);
      });
    } finally {
      await consumer.close();
    }
  });
});
