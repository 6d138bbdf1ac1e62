import { startHttpFixture, type HttpFixture } from '@toolgate/mcp/upstream/testing/http-fixture';
import { decideToolChange } from '@toolgate/api/services/tool-changes';
import { sseEvents } from '@toolgate/fixtures/test-kit';
import { tools } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createHarness,
  initializeSession,
  rpc,
  type Harness,
  type RunningProxy,
  seedServerGateway,
} from '../testing/harness.ts';

/**
 * Upstream notifications outside calls, through two replicas sharing Redis: list changes are
 * re-read and relayed only when what the gateway exposes changed; resource updates reach only the
 * sessions that subscribed, on whichever replica holds their stream.
 */
let h: Harness;
let fixture: HttpFixture;
let replicaA: RunningProxy;
let replicaB: RunningProxy;
let path: string;
let auth: Record<string, string>;
let poller: NodeJS.Timeout | undefined;

type Message = { method?: string; params?: Record<string, unknown> };

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  fixture = await startHttpFixture();
  const seeded = await seedServerGateway(h, {
    server: 'fx',
    upstream: { url: fixture.url },
    gateway: 'live',
    tools: [
      'motd',
      'touch',
      'redescribe',
      'add-tool',
      { kind: 'prompt', toolName: 'greeting' },
      { kind: 'resources', toolName: '*' },
    ],
  });
  auth = { authorization: `Bearer ${seeded.token}` };
  path = seeded.path;
  replicaA = await h.startProxy();
  replicaB = await h.startProxy();
  tenantId = seeded.tenant.id;
  installationId = seeded.installationId;
  const poll = async () => {
    const rows = await h.db.db
      .select({ name: tools.name })
      .from(tools)
      .where(eq(tools.installationId, installationId));
    recorded = rows.map((r) => r.name);
  };
  poller = setInterval(() => void poll().catch(() => undefined), 50);
});

afterAll(async () => {
  clearInterval(poller);
  await h?.close();
  await fixture?.close();
});

/** A 2025-11-25 session and its GET stream on `streamOn`; collects what the stream hears. */
async function listeningSession(postOn: RunningProxy, streamOn: RunningProxy) {
  const { headers } = await initializeSession(`${postOn.url}${path}`, auth);
  const abort = new AbortController();
  const res = await fetch(`${streamOn.url}${path}`, {
    headers: { ...headers, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  const heard: Message[] = [];
  const next = sseEvents(res);
  void (async () => {
    for (let e = await next(); e; e = await next())
      if (e.data !== '') heard.push(JSON.parse(e.data) as Message);
  })().catch(() => undefined);
  const call = async (method: string, params: Record<string, unknown>, on = postOn) => {
    const answer = await rpc(`${on.url}${path}`, { jsonrpc: '2.0', id: 1, method, params }, headers);
    return answer.json as { result?: Record<string, unknown>; error?: { code: number; message: string } };
  };
  return { headers, heard, call, close: () => abort.abort() };
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Tool names recorded for the fixture's installation, refreshed by a poller while tests run. */
let recorded: string[] = [];
let tenantId: string;
let installationId: string;

/**
 * Approves, as an owner would, the change of a tool's definition that the upstream announced:
 * definition pinning serves the approved definition until then (tool-changes.int.test.ts).
 */
async function approveChange(name: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [row] = await h.db.db
      .select({ id: tools.id, pendingSince: tools.pendingSince })
      .from(tools)
      .where(and(eq(tools.installationId, installationId), eq(tools.name, name)));
    if (row?.pendingSince) {
      const actor = { userId: null, role: 'owner' } as const;
      await decideToolChange({
        db: h.db.db,
        bus: replicaA.bus,
        tenantId,
        actor,
        id: row.id,
        decision: 'approve',
      });
      return;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the change of ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const count = (heard: Message[], method: string) => heard.filter((m) => m.method === method).length;

describe('live notifications (2025-11-25 sessions)', () => {
  it('advertises list changes and subscriptions it honours', async () => {
    const { init } = await initializeSession(`${replicaA.url}${path}`, auth);
    expect((init.json as { result: { capabilities: unknown } }).result.capabilities).toMatchObject({
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { listChanged: true, subscribe: true },
    });
  });

  it("relays an upstream's tool and prompt list changes to streams on every replica, only when the exposed set changed", async () => {
    const onB = await listeningSession(replicaA, replicaB);
    const onA = await listeningSession(replicaB, replicaA);
    await until('both replicas watch the upstream', () => fixture.streams >= 2);

    await onA.call('tools/call', {
      name: 'fx__redescribe',
      arguments: { kind: 'tool', description: 'Today: rain' },
    });
    await approveChange('motd');
    const listChanged = 'notifications/tools/list_changed';
    await until(
      'both streams heard tools/list_changed',
      () => count(onA.heard, listChanged) === 1 && count(onB.heard, listChanged) === 1,
    );
    for (const replica of [replicaA, replicaB]) {
      const listed = await onA.call('tools/list', {}, replica);
      const motd = (listed.result!.tools as { name: string; description: string }[]).find(
        (t) => t.name === 'fx__motd',
      );
      expect(motd?.description).toBe('Today: rain');
    }

    // A tool the gateway does not expose: recorded, but clients hear nothing of it.
    await onA.call('tools/call', { name: 'fx__add-tool', arguments: { name: 'late' } });
    await until('the new tool is recorded', () => recorded.includes('late'));
    await onA.call('tools/call', {
      name: 'fx__redescribe',
      arguments: { kind: 'prompt', description: 'Say hi' },
    });
    const promptsChanged = 'notifications/prompts/list_changed';
    await until(
      'both streams heard prompts/list_changed',
      () => count(onA.heard, promptsChanged) === 1 && count(onB.heard, promptsChanged) === 1,
    );
    const prompts = await onB.call('prompts/list', {});
    expect(prompts.result!.prompts).toEqual([
      expect.objectContaining({ name: 'fx__greeting', description: 'Say hi' }),
    ]);
    expect(count(onA.heard, listChanged)).toBe(1);
    onA.close();
    onB.close();
  });

  it('delivers resources/updated only to sessions that subscribed, on the replica holding their stream', async () => {
    const subscriber = await listeningSession(replicaA, replicaB);
    const bystander = await listeningSession(replicaA, replicaB);
    const other = await listeningSession(replicaB, replicaA);
    const subscriptions = fixture.log.subscriptions!;
    subscriptions.length = 0;

    // Subscribed through replica A; the stream is on B, which subscribes upstream.
    expect(await subscriber.call('resources/subscribe', { uri: 'memo://one' })).toMatchObject({ result: {} });
    expect(await bystander.call('resources/subscribe', { uri: 'memo://one' })).toMatchObject({ result: {} });
    expect(await other.call('resources/subscribe', { uri: 'memo://two' })).toMatchObject({ result: {} });
    await until(
      'B subscribed memo://one once, A memo://two',
      () =>
        subscriptions.filter((s) => s === '+memo://one').length === 1 &&
        subscriptions.includes('+memo://two'),
    );

    await subscriber.call('tools/call', { name: 'fx__touch', arguments: { uri: 'memo://one' } });
    const updated = (heard: Message[], uri: string) =>
      heard.filter((m) => m.method === 'notifications/resources/updated' && m.params?.uri === uri).length;
    await until(
      'both subscribers heard memo://one',
      () => updated(subscriber.heard, 'memo://one') === 1 && updated(bystander.heard, 'memo://one') === 1,
    );

    // One subscriber leaves: the upstream subscription stays for the other.
    expect(await bystander.call('resources/unsubscribe', { uri: 'memo://one' }, replicaB)).toMatchObject({
      result: {},
    });
    await subscriber.call('tools/call', { name: 'fx__touch', arguments: { uri: 'memo://two' } });
    await until('memo://two reached its subscriber', () => updated(other.heard, 'memo://two') === 1);
    await subscriber.call('tools/call', { name: 'fx__touch', arguments: { uri: 'memo://one' } });
    await until('memo://one again', () => updated(subscriber.heard, 'memo://one') === 2);
    expect(updated(bystander.heard, 'memo://one')).toBe(1);
    expect(updated(other.heard, 'memo://one')).toBe(0);
    expect(updated(subscriber.heard, 'memo://two')).toBe(0);
    expect(subscriptions.filter((s) => s === '-memo://one')).toEqual([]);
    for (const s of [subscriber, bystander, other]) s.close();
  });

  it('refuses subscriptions it cannot honour with a readable error', async () => {
    const session = await listeningSession(replicaA, replicaA);
    const missing = await session.call('resources/subscribe', {});
    expect(missing.error).toMatchObject({ code: -32602, message: 'Invalid params: "uri" is required' });
    const tooLong = await session.call('resources/subscribe', { uri: `memo://${'x'.repeat(3000)}` });
    expect(tooLong.error?.message).toContain('longer than 2048 characters');
    session.close();
  });
});

describe('subscriptions/listen (2026-07-28)', () => {
  const modern = (method: string, name?: string) => ({
    ...auth,
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': method,
    ...(name ? { 'mcp-name': name } : {}),
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  });
  const meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'modern', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };

  it('acknowledges what it honours and relays resource updates and prompt changes on the stream', async () => {
    const abort = new AbortController();
    const res = await fetch(`${replicaB.url}${path}`, {
      method: 'POST',
      signal: abort.signal,
      headers: modern('subscriptions/listen'),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'listen-1',
        method: 'subscriptions/listen',
        params: {
          _meta: meta,
          notifications: {
            promptsListChanged: true,
            resourceSubscriptions: ['memo://one', 'other://nowhere'],
          },
        },
      }),
    });
    expect(res.status).toBe(200);
    const next = sseEvents(res);
    const heard: Message[] = [];
    let ack: Message | undefined;
    void (async () => {
      for (let e = await next(); e; e = await next()) {
        if (e.data === '') continue;
        const m = JSON.parse(e.data) as Message;
        if (m.method === 'notifications/subscriptions/acknowledged') ack = m;
        else heard.push(m);
      }
    })().catch(() => undefined);
    await until('acknowledged', () => ack !== undefined);
    expect(ack!.params).toEqual({
      notifications: { promptsListChanged: true, resourceSubscriptions: ['memo://one'] },
      _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' },
    });

    const call = (name: string, args: Record<string, unknown>) =>
      fetch(`${replicaA.url}${path}`, {
        method: 'POST',
        headers: modern('tools/call', name),
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name, arguments: args, _meta: meta },
        }),
      }).then((r) => r.json());
    await call('fx__touch', { uri: 'memo://one' });
    await until('the update arrived', () =>
      heard.some((m) => m.method === 'notifications/resources/updated'),
    );
    expect(heard[0]).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/resources/updated',
      params: { uri: 'memo://one', _meta: { 'io.modelcontextprotocol/subscriptionId': 'listen-1' } },
    });
    await call('fx__redescribe', { kind: 'prompt', description: 'Say hello' });
    await until('prompts changed', () =>
      heard.some((m) => m.method === 'notifications/prompts/list_changed'),
    );
    // Tools were not asked for: the tool description change is not relayed.
    await call('fx__redescribe', { kind: 'tool', description: 'Today: sun' });
    await call('fx__redescribe', { kind: 'prompt', description: 'Say hey' });
    await until('prompts changed again', () => count(heard, 'notifications/prompts/list_changed') === 2);
    expect(count(heard, 'notifications/tools/list_changed')).toBe(0);
    abort.abort();
  });

  it('refuses a malformed filter', async () => {
    const res = await fetch(`${replicaA.url}${path}`, {
      method: 'POST',
      headers: modern('subscriptions/listen'),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'subscriptions/listen',
        params: { _meta: meta, notifications: { resourceSubscriptions: 'memo://one' } },
      }),
    });
    const body = (await res.json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).toContain('"resourceSubscriptions" must be a list of URIs');
  });
});
