import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSsrfGuard } from '@toolgate/net/ssrf-guard';
import { freePort } from '@toolgate/fixtures/test-kit';
import { createUpstreamPool } from './index.ts';
import { clientInfo, firstText, rejection } from './testing/helpers.ts';
import { type HttpFixture, startHttpFixture } from './testing/http-fixture.ts';
import { waitUntil } from './testing/processes.ts';
import type { JsonRpcNotification, UpstreamPool, UpstreamTarget } from './types.ts';

let keys = 0;
const target = (fixture: HttpFixture, extra: Partial<UpstreamTarget> = {}): UpstreamTarget => ({
  key: `http-${++keys}`,
  label: 'fixture',
  transport: 'streamable_http',
  url: fixture.url,
  ...extra,
});

const methods = (fixture: HttpFixture) => fixture.received.map((entry) => entry.message.method);

describe.each([
  ['SSE answers', false],
  ['JSON answers', true],
])('Streamable HTTP with %s', (_name, jsonResponse) => {
  let fixture: HttpFixture;
  let pool: UpstreamPool;

  beforeAll(async () => {
    fixture = await startHttpFixture({ jsonResponse });
    pool = createUpstreamPool({ clientInfo });
  });
  afterAll(async () => {
    await pool.close();
    await fixture.close();
  });

  it("probes for 2026-07-28, initializes once, then sends session and version headers with the pool's own ids", async () => {
    const upstream = target(fixture, { headers: { Authorization: 'Bearer upstream-secret' } });
    for (const message of ['a', 'b', 'c']) {
      const result = await pool.request(upstream, 'tools/call', { name: 'echo', arguments: { message } });
      expect(firstText(result)).toBe(`Echo: ${message}`);
    }
    // A 2025-era server answers the server/discover probe with an error: the pool initializes.
    expect(methods(fixture)).toEqual([
      'server/discover',
      'initialize',
      'notifications/initialized',
      'tools/call',
      'tools/call',
      'tools/call',
    ]);
    const [, init, initialized, ...calls] = fixture.received;
    expect(init!.message.params).toMatchObject({
      protocolVersion: '2025-11-25',
      capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: false } },
      clientInfo,
    });
    expect(init!.headers['mcp-session-id']).toBeUndefined();
    const sessionId = initialized!.headers['mcp-session-id'];
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    for (const call of [initialized!, ...calls]) {
      expect(call.headers).toMatchObject({
        'mcp-session-id': sessionId,
        'mcp-protocol-version': '2025-11-25',
        authorization: 'Bearer upstream-secret',
        accept: 'application/json, text/event-stream',
      });
    }
    expect(calls.map((call) => call.message.id)).toEqual([2, 3, 4]);
  });

  it('re-initializes a session the upstream forgot, invisibly and once for concurrent calls', async () => {
    const upstream = target(fixture);
    await pool.request(upstream, 'tools/call', { name: 'echo', arguments: { message: 'first' } });
    const before = fixture.received.length;
    await fixture.forgetSessions();
    const results = await Promise.all(
      ['x', 'y', 'z'].map((message) =>
        pool.request(upstream, 'tools/call', { name: 'echo', arguments: { message } }),
      ),
    );
    expect(results.map(firstText)).toEqual(['Echo: x', 'Echo: y', 'Echo: z']);
    const after = fixture.received.slice(before).map((entry) => entry.message.method);
    expect(after.filter((method) => method === 'initialize')).toHaveLength(1);
    // Each call went out twice: refused with 404 on the old session, then served on the new one.
    expect(after.filter((method) => method === 'tools/call')).toHaveLength(6);
    expect(pool.stats().sessions).toBeGreaterThanOrEqual(1);
  });
});

describe('Streamable HTTP edge cases', () => {
  let fixture: HttpFixture;
  let pool: UpstreamPool;

  beforeAll(async () => {
    fixture = await startHttpFixture({ resumable: true });
    pool = createUpstreamPool({ clientInfo, connectTimeoutMs: 2_000 });
  });
  afterEach(() => {
    fixture.failWith = undefined;
  });
  afterAll(async () => {
    await pool.close();
    await fixture.close();
  });

  it('resumes with Last-Event-ID when the server ends the stream before answering', async () => {
    const seen: JsonRpcNotification[] = [];
    const result = await pool.request(
      target(fixture),
      'tools/call',
      { name: 'resumable', arguments: { ms: 100 } },
      { onNotification: (notification) => seen.push(notification) },
    );
    expect(firstText(result)).toBe('resumed');
    expect(fixture.resumes).toBe(1);
    expect(seen.map((notification) => notification.params?.data)).toEqual(['before the stream closes']);
  });

  it('adds per-call headers but never lets them override target or protocol headers', async () => {
    const upstream = target(fixture, { headers: { authorization: 'Bearer installation' } });
    await pool.request(
      upstream,
      'tools/call',
      { name: 'echo', arguments: { message: 'h' } },
      {
        headers: { Authorization: 'Bearer caller', 'Mcp-Session-Id': 'forged', 'X-Trace-Id': 'trace-1' },
      },
    );
    const call = fixture.received.at(-1)!;
    expect(call.headers.authorization).toBe('Bearer installation');
    expect(call.headers['x-trace-id']).toBe('trace-1');
    expect(call.headers['mcp-session-id']).not.toBe('forged');
  });

  it("sends a call's trace context over passthrough headers, on that call only", async () => {
    const upstream = target(fixture);
    const trace = {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'vendor=opaque',
    };
    await pool.request(
      upstream,
      'tools/call',
      { name: 'echo', arguments: { message: 't' } },
      { headers: { traceparent: '00-11111111111111111111111111111111-2222222222222222-01' }, trace },
    );
    const traced = fixture.received.at(-1)!;
    expect(traced.message.method).toBe('tools/call');
    expect(traced.headers.traceparent).toBe(trace.traceparent);
    expect(traced.headers.tracestate).toBe('vendor=opaque');

    await pool.request(upstream, 'tools/call', { name: 'echo', arguments: { message: 'u' } });
    const plain = fixture.received.at(-1)!;
    expect(plain.headers.traceparent).toBeUndefined();
    expect(plain.headers.tracestate).toBeUndefined();
  });

  it('reports an HTTP error status without leaking credentials', async () => {
    fixture.failWith = 401;
    const error = await rejection(
      pool.request(
        target(fixture, { headers: { authorization: 'Bearer top-secret-token' } }),
        'tools/list',
        {},
      ),
    );
    expect(error.kind).toBe('http');
    expect(error.httpStatus).toBe(401);
    expect(error.message).toContain("upstream 'fixture'");
    expect(error.message).toContain('401');
    expect(error.message).not.toContain('top-secret-token');
  });

  it('reports an HTTP error on a call of an established session', async () => {
    const upstream = target(fixture);
    await pool.request(upstream, 'tools/list', {});
    fixture.failWith = 502;
    const error = await rejection(pool.request(upstream, 'tools/list', {}));
    expect(error).toMatchObject({ kind: 'http', httpStatus: 502 });
    expect(error.message).toMatch(/upstream 'fixture' answered HTTP 502/);
  });

  it('reports an unreachable upstream as connect', async () => {
    const url = `http://127.0.0.1:${await freePort()}/mcp`;
    const error = await rejection(
      pool.request({ key: 'nobody', label: 'gone', transport: 'streamable_http', url }, 'tools/list', {}),
    );
    expect(error.kind).toBe('connect');
    expect(error.message).toBe("upstream 'gone' refused the connection");
  });

  it('does not follow a redirect, even to a server that would answer', async () => {
    const moved = createServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: fixture.url }).end();
    });
    await new Promise<void>((resolve) => moved.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(moved.address() as AddressInfo).port}/mcp`;
    try {
      const before = fixture.received.length;
      const error = await rejection(
        pool.request({ key: 'moved', label: 'moved', transport: 'streamable_http', url }, 'tools/list', {}),
      );
      expect(error).toMatchObject({ kind: 'http', httpStatus: 307 });
      expect(error.message).toBe(
        "upstream 'moved' answered with a redirect (HTTP 307), which the gateway does not follow to initialize",
      );
      expect(fixture.received.length).toBe(before);
    } finally {
      moved.closeAllConnections();
      moved.close();
    }
  });

  it('sends a call again, once, when its kept-alive connection is closed without an answer', async () => {
    const upstream = target(fixture);
    await pool.request(upstream, 'tools/call', { name: 'echo', arguments: { message: 'first' } });
    fixture.hangUp = 'reused';
    const result = await pool.request(upstream, 'tools/call', {
      name: 'echo',
      arguments: { message: 'again' },
    });
    expect(fixture.hangUp).toBeUndefined();
    expect(firstText(result)).toBe('Echo: again');
  });

  it('reports a new connection closed without an answer as a reset, without sending again', async () => {
    const own = createUpstreamPool({ clientInfo });
    try {
      const before = fixture.received.length;
      fixture.hangUp = 'new';
      const error = await rejection(own.request(target(fixture), 'tools/list', {}));
      expect(error).toMatchObject({ kind: 'connect', socketCode: 'ECONNRESET' });
      expect(error.message).toBe("upstream 'fixture' reset the connection");
      expect(fixture.received.length).toBe(before);
    } finally {
      await own.close();
    }
  });

  it('closes its connections to the upstream when the pool closes', async () => {
    const own = await startHttpFixture();
    const closing = createUpstreamPool({ clientInfo });
    try {
      await closing.request(target(own), 'tools/list', {});
      expect(await own.connections()).toBeGreaterThan(0);
      await closing.close();
      await waitUntil(async () => (await own.connections()) === 0, 'the upstream has no connection left');
    } finally {
      await closing.close();
      await own.close();
    }
  });

  it('gives up on an upstream that never answers its first request', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/mcp`;
    const quick = createUpstreamPool({ clientInfo, connectTimeoutMs: 200 });
    try {
      const error = await rejection(
        quick.request(
          { key: 'silent', label: 'silent', transport: 'streamable_http', url },
          'tools/list',
          {},
        ),
      );
      expect(error.kind).toBe('connect');
      expect(error.message).toBe("upstream 'silent' did not answer server/discover within 200 ms");
    } finally {
      await quick.close();
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('closes idle sessions', async () => {
    const idle = createUpstreamPool({ clientInfo, idleTimeoutMs: 100 });
    try {
      await idle.request(target(fixture), 'tools/list', {});
      expect(idle.stats().sessions).toBe(1);
      await waitUntil(() => idle.stats().sessions === 0, 'the idle session is closed');
    } finally {
      await idle.close();
    }
  });
});

describe('SSRF guard through the pool', () => {
  let fixture: HttpFixture;

  beforeAll(async () => {
    fixture = await startHttpFixture();
  });
  afterAll(async () => {
    await fixture.close();
  });

  it('refuses a private upstream before connecting (checkUrl)', async () => {
    const guard = createSsrfGuard({ allowPrivate: false });
    const pool = createUpstreamPool({ clientInfo, checkUrl: guard });
    try {
      const before = fixture.received.length;
      const error = await rejection(pool.request(target(fixture), 'tools/list', {}));
      expect(error.kind).toBe('blocked');
      expect(error.message).toMatch(
        /^upstream 'fixture': .*127\.0\.0\.1 resolves to a private address .*TOOLGATE_ALLOW_PRIVATE_UPSTREAMS=true/,
      );
      expect(fixture.received.length).toBe(before);
    } finally {
      await pool.close();
    }
  });

  it('refuses at connect time when the name resolves privately (the pinned lookup)', async () => {
    const guard = createSsrfGuard({ allowPrivate: false });
    const pool = createUpstreamPool({ clientInfo, lookup: guard.lookup });
    try {
      const url = fixture.url.replace('127.0.0.1', 'localhost');
      const error = await rejection(pool.request(target(fixture, { url }), 'tools/list', {}));
      expect(error.kind).toBe('blocked');
      expect(error.message).toContain('localhost resolves to a private address');
    } finally {
      await pool.close();
    }
  });

  it('lets private upstreams through when allowed', async () => {
    const guard = createSsrfGuard({ allowPrivate: true });
    const pool = createUpstreamPool({ clientInfo, checkUrl: guard.checkUrl, lookup: guard.lookup });
    try {
      const url = fixture.url.replace('127.0.0.1', 'localhost');
      const result = await pool.request(target(fixture, { url }), 'tools/call', {
        name: 'echo',
        arguments: { message: 'ok' },
      });
      expect(firstText(result)).toBe('Echo: ok');
    } finally {
      await pool.close();
    }
  });
});
