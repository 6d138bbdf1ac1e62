import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamPool } from './index.ts';
import { clientInfo, firstText, rejection } from './testing/helpers.ts';
import { type HttpFixture, startHttpFixture } from './testing/http-fixture.ts';
import { type ModernFixture, startModernFixture } from './testing/modern-fixture.ts';
import { waitUntil } from './testing/processes.ts';
import type { JsonRpcNotification, JsonRpcRequest, UpstreamPool, UpstreamTarget } from './types.ts';

let keys = 0;
const target = (url: string): UpstreamTarget => ({
  key: `modern-${++keys}`,
  label: 'modern',
  transport: 'streamable_http',
  url,
  headers: { authorization: 'Bearer upstream-secret' },
});

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': clientInfo,
};

describe('a modern-only (2026-07-28) upstream', () => {
  let fixture: ModernFixture;
  let pool: UpstreamPool;

  beforeAll(async () => {
    fixture = await startModernFixture();
    pool = createUpstreamPool({ clientInfo, connectTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    await pool.close();
    await fixture.close();
  });

  const methods = () => fixture.received.map((r) => r.body.method);

  it('refuses initialize, so only the 2026-07-28 probe can reach it', async () => {
    const response = await fetch(fixture.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo },
      }),
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toMatch(/2026-07-28/);
  });

  it('is probed with server/discover, whose result stands for initialize', async () => {
    const upstream = target(fixture.url);
    const before = fixture.received.length;
    const info = await pool.serverInfo(upstream);
    expect(info).toMatchObject({
      protocolVersion: '2026-07-28',
      capabilities: { tools: { listChanged: true }, resources: { subscribe: true } },
      serverInfo: { name: 'modern-fixture', version: '2.0.0' },
      instructions: 'Speaks 2026-07-28 only.',
    });
    const [probe] = fixture.received.slice(before);
    expect(probe!.body).toMatchObject({
      method: 'server/discover',
      params: {
        _meta: {
          ...ENVELOPE,
          'io.modelcontextprotocol/clientCapabilities': { sampling: {}, elicitation: {}, roots: {} },
        },
      },
    });
    expect(probe!.headers).toMatchObject({
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'server/discover',
    });
    expect(probe!.headers['mcp-session-id']).toBeUndefined();
    expect(methods().slice(before)).toEqual(['server/discover']);
  });

  it('lists and calls tools with the envelope and the standard headers, and hands on plain results', async () => {
    const upstream = target(fixture.url);
    const listed = await pool.request(upstream, 'tools/list', {});
    expect((listed.tools as { name: string }[]).map((t) => t.name)).toEqual(
      expect.arrayContaining(['echo', 'steps', 'confirm', 'wait']),
    );
    const before = fixture.received.length;
    const result = await pool.request(upstream, 'tools/call', { name: 'echo', arguments: { text: 'hi' } });
    expect(firstText(result)).toBe('echo: hi');
    expect(result.resultType).toBeUndefined();
    expect(result._meta).toBeUndefined();
    const [call] = fixture.received.slice(before);
    expect(call!.headers).toMatchObject({
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'echo',
      authorization: 'Bearer upstream-secret',
    });
    // Nobody can answer input requests on this call, so it declares no capabilities.
    expect(call!.body).toMatchObject({
      params: { _meta: { ...ENVELOPE, 'io.modelcontextprotocol/clientCapabilities': {} } },
    });
  });

  it('encodes a name that is not a plain header value, which the upstream checks against the body', async () => {
    const upstream = target(fixture.url);
    await pool.serverInfo(upstream);
    const before = fixture.received.length;
    const error = await rejection(pool.request(upstream, 'tools/call', { name: 'grüße' }));
    // Unknown tool, not HeaderMismatch (-32020): the upstream decoded the header to the body's name.
    expect(error.kind).toBe('rpc');
    expect(error.rpcError?.code).not.toBe(-32020);
    expect(fixture.received[before]!.headers['mcp-name']).toBe(
      `=?base64?${Buffer.from('grüße').toString('base64')}?=`,
    );
  });

  it('relays progress and log messages to the call', async () => {
    const heard: JsonRpcNotification[] = [];
    const result = await pool.request(
      target(fixture.url),
      'tools/call',
      { name: 'steps', arguments: { count: 3 }, _meta: { progressToken: 'p-1' } },
      { onNotification: (n) => heard.push(n) },
    );
    expect(firstText(result)).toBe('3 steps');
    expect(heard.filter((n) => n.method === 'notifications/progress').map((n) => n.params)).toEqual([
      { progressToken: 'p-1', progress: 1, total: 3 },
      { progressToken: 'p-1', progress: 2, total: 3 },
      { progressToken: 'p-1', progress: 3, total: 3 },
    ]);
    expect(heard.find((n) => n.method === 'notifications/message')?.params).toMatchObject({
      level: 'info',
      data: 'did 3 steps',
    });
  });

  it('answers input_required through onRequest and retries with the answers and the state', async () => {
    const asked: JsonRpcRequest[] = [];
    fixture.states.length = 0;
    const result = await pool.request(
      target(fixture.url),
      'tools/call',
      { name: 'confirm', arguments: { action: 'deploy' } },
      {
        onRequest: (request) => {
          asked.push(request);
          return Promise.resolve({ action: 'accept', content: { reason: 'tested' } });
        },
      },
    );
    expect(firstText(result)).toBe('deploy confirmed (tested) after asked:deploy');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      jsonrpc: '2.0',
      method: 'elicitation/create',
      params: { message: 'Really deploy?', requestedSchema: { required: ['reason'] } },
    });
    expect(fixture.states).toEqual([undefined, 'asked:deploy']);
    const retry = fixture.received.at(-1)!.body;
    expect(retry.params).toMatchObject({
      inputResponses: { confirm: { action: 'accept', content: { reason: 'tested' } } },
      requestState: 'asked:deploy',
    });
  });

  it('fails a call the upstream asks for input when the caller cannot answer', async () => {
    const error = await rejection(
      pool.request(target(fixture.url), 'tools/call', { name: 'confirm', arguments: { action: 'x' } }),
    );
    expect(error.kind).toBe('rpc');
    expect(error.message).toMatch(/elicitation/);
  });

  it('cancels by closing the request stream', async () => {
    const controller = new AbortController();
    const pending = pool.request(
      target(fixture.url),
      'tools/call',
      { name: 'wait', arguments: { id: 'w-1' } },
      { signal: controller.signal },
    );
    await waitUntil(
      () => fixture.received.some((r) => JSON.stringify(r.body).includes('w-1')),
      'the call reached the upstream',
    );
    controller.abort();
    expect((await rejection(pending)).kind).toBe('cancelled');
    await waitUntil(() => fixture.aborted.includes('w-1'), 'the upstream saw the cancellation');
  });

  it('resolves notifications without sending them: the revision has none from client to server', async () => {
    const upstream = target(fixture.url);
    await pool.serverInfo(upstream);
    const before = fixture.received.length;
    await pool.notify(upstream, 'notifications/roots/list_changed');
    expect(fixture.received.length).toBe(before);
  });

  it('listens for list changes and subscribed resources on one subscriptions/listen stream', async () => {
    const upstream = target(fixture.url);
    const heard: JsonRpcNotification[] = [];
    const watch = pool.watch(upstream, (n) => heard.push(n));
    try {
      // Resolves once the upstream acknowledged the URI on the (re-opened) stream.
      await watch.subscribe('memo://one');
      await watch.subscribe('memo://two');
      const listens = fixture.received.filter((r) => r.body.method === 'subscriptions/listen');
      expect(listens.at(-1)!.body.params).toMatchObject({
        notifications: {
          toolsListChanged: true,
          resourcesListChanged: true,
          resourceSubscriptions: ['memo://one', 'memo://two'],
        },
      });
      fixture.addTool('late');
      await waitUntil(
        () => heard.some((n) => n.method === 'notifications/tools/list_changed'),
        'list_changed heard',
      );
      fixture.touch('memo://two');
      await waitUntil(
        () => heard.some((n) => n.method === 'notifications/resources/updated'),
        'resources/updated heard',
      );
      const updated = heard.find((n) => n.method === 'notifications/resources/updated')!;
      // The listen stream's id concerns this hop only.
      expect(updated.params).toEqual({ uri: 'memo://two' });
      const tools = await pool.request(upstream, 'tools/list', {});
      expect((tools.tools as { name: string }[]).map((t) => t.name)).toContain('late');
    } finally {
      watch.close();
    }
  });

  it('re-opens a dropped listen stream and tells watchers to re-read what they missed', async () => {
    const upstream = target(fixture.url);
    const heard: JsonRpcNotification[] = [];
    const watch = pool.watch(upstream, (n) => heard.push(n));
    try {
      await watch.subscribe('memo://one');
      const listens = () => fixture.received.filter((r) => r.body.method === 'subscriptions/listen').length;
      const opened = listens();
      fixture.dropConnections();
      // Heard only once the new stream is acknowledged, so what follows cannot be missed.
      await waitUntil(
        () => heard.some((n) => n.method === 'notifications/tools/list_changed'),
        'watchers told to re-read lists',
      );
      expect(listens()).toBe(opened + 1);
      fixture.touch('memo://one');
      await waitUntil(
        () => heard.some((n) => n.method === 'notifications/resources/updated'),
        'an update on the re-opened stream',
      );
    } finally {
      watch.close();
    }
  });
});

describe('a 2025-only upstream behind a pool that prefers 2026-07-28', () => {
  let fixture: HttpFixture;
  let pool: UpstreamPool;

  beforeAll(async () => {
    fixture = await startHttpFixture();
    pool = createUpstreamPool({ clientInfo, connectTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    await pool.close();
    await fixture.close();
  });

  const count = (method: string) => fixture.received.filter((r) => r.message.method === method).length;

  it('falls back to initialize after the probe, and remembers the era when it reconnects', async () => {
    const upstream = target(fixture.url);
    const result = await pool.request(upstream, 'tools/call', {
      name: 'echo',
      arguments: { message: 'old' },
    });
    expect(firstText(result)).toBe('Echo: old');
    expect(fixture.received.map((r) => r.message.method)).toEqual([
      'server/discover',
      'initialize',
      'notifications/initialized',
      'tools/call',
    ]);
    expect((await pool.serverInfo(upstream)).protocolVersion).toBe('2025-11-25');

    // The upstream forgets the session and refuses the new one: the pooled session closes.
    await fixture.forgetSessions();
    fixture.failWith = 404;
    await rejection(pool.request(upstream, 'tools/call', { name: 'echo', arguments: { message: 'lost' } }));
    fixture.failWith = undefined;
    const again = await pool.request(upstream, 'tools/call', {
      name: 'echo',
      arguments: { message: 'back' },
    });
    expect(firstText(again)).toBe('Echo: back');
    expect(count('server/discover')).toBe(1);
    expect(count('initialize')).toBe(2);
  });

  it('does not probe at all with preferModern: false', async () => {
    const legacyOnly = createUpstreamPool({ clientInfo, preferModern: false });
    try {
      const before = count('server/discover');
      await legacyOnly.request(target(fixture.url), 'tools/call', {
        name: 'echo',
        arguments: { message: 'x' },
      });
      expect(count('server/discover')).toBe(before);
    } finally {
      await legacyOnly.close();
    }
  });
});
