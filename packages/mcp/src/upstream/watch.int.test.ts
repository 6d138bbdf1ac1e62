import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamPool } from './index.ts';
import { clientInfo } from './testing/helpers.ts';
import { type HttpFixture, startHttpFixture } from './testing/http-fixture.ts';
import { stdioFixtureTarget, waitUntil } from './testing/processes.ts';
import type { JsonRpcNotification, UpstreamPool, UpstreamTarget } from './types.ts';

let keys = 0;
const httpTarget = (fixture: HttpFixture): UpstreamTarget => ({
  key: `watch-${++keys}`,
  label: 'fixture',
  transport: 'streamable_http',
  url: fixture.url,
});

const uriOf = (n: JsonRpcNotification): string =>
  typeof n.params?.uri === 'string' ? n.params.uri : n.method;

const call = (pool: UpstreamPool, target: UpstreamTarget, name: string, args: Record<string, unknown>) =>
  pool.request(target, 'tools/call', { name, arguments: args });

describe('watching upstreams for notifications outside calls', () => {
  let fixture: HttpFixture;
  let pool: UpstreamPool;

  beforeAll(async () => {
    fixture = await startHttpFixture();
    pool = createUpstreamPool({ clientInfo, idleTimeoutMs: 200 });
  });
  afterAll(async () => {
    await pool.close();
    await fixture.close();
  });

  it.each([
    ['Streamable HTTP (the GET stream)', () => httpTarget(fixture)],
    ['stdio', () => stdioFixtureTarget(`watch-stdio-${++keys}`)],
  ])('%s: list changes reach watchers, not calls', async (_name, makeTarget) => {
    const target = makeTarget();
    const heard: JsonRpcNotification[] = [];
    const inCall: JsonRpcNotification[] = [];
    const watch = pool.watch(target, (n) => heard.push(n));
    await waitUntil(() => pool.stats().watched === 1, 'watched', 10_000);
    // The GET stream opens after the session: wait for the upstream to see it.
    const streams = fixture.streams;
    if (target.transport === 'streamable_http')
      await waitUntil(() => fixture.streams > streams, 'GET stream open', 10_000);
    await pool.request(
      target,
      'tools/call',
      { name: 'add-tool', arguments: { name: 'late' } },
      { onNotification: (n) => inCall.push(n) },
    );
    await waitUntil(
      () => heard.some((n) => n.method === 'notifications/tools/list_changed'),
      'list_changed heard',
      10_000,
    );
    expect(inCall.filter((n) => n.method.endsWith('list_changed'))).toEqual([]);
    const tools = await pool.request(target, 'tools/list', {});
    expect((tools.tools as { name: string }[]).map((t) => t.name)).toContain('late');
    watch.close();
    await waitUntil(() => pool.stats().watched === 0, 'unwatched', 5_000);
  });

  it('subscribes a resource once per pooled session, counted across watchers', async () => {
    const target = httpTarget(fixture);
    const subscriptions = fixture.log.subscriptions!;
    subscriptions.length = 0;
    const a: string[] = [];
    const b: string[] = [];
    const watchA = pool.watch(target, (n) => a.push(uriOf(n)));
    const watchB = pool.watch(target, (n) => b.push(uriOf(n)));
    await watchA.subscribe('memo://one');
    await watchB.subscribe('memo://one');
    expect(subscriptions).toEqual(['+memo://one']);

    await call(pool, target, 'touch', { uri: 'memo://one' });
    await waitUntil(() => a.includes('memo://one') && b.includes('memo://one'), 'both heard', 10_000);

    // B's unsubscribe leaves A's subscription in place upstream.
    await watchB.unsubscribe('memo://one');
    expect(subscriptions).toEqual(['+memo://one']);
    await watchA.unsubscribe('memo://one');
    expect(subscriptions).toEqual(['+memo://one', '-memo://one']);
    // Unsubscribing what this watch never subscribed changes nothing.
    await watchB.unsubscribe('memo://one');
    expect(subscriptions).toEqual(['+memo://one', '-memo://one']);
    watchA.close();
    watchB.close();
  });

  it('keeps a watched session open past the idle timeout, and reconnects one the upstream lost', async () => {
    const target = httpTarget(fixture);
    const heard: string[] = [];
    const watch = pool.watch(target, (n) => heard.push(n.method));
    await watch.subscribe('memo://kept');
    const initializes = () => fixture.received.filter((r) => r.message.method === 'initialize').length;
    const before = initializes();
    // An unwatched session beside it is closed once idle; the watched one stays.
    await call(pool, httpTarget(fixture), 'echo', { message: 'idle soon' });
    await waitUntil(() => pool.stats().sessions === 1, 'the unwatched session closed', 10_000);
    expect(initializes()).toBe(before + 1);

    // The server restarts: the GET stream gets 404, the pool starts a new session, subscriptions
    // are made again and watchers are told to re-read lists.
    const streams = fixture.streams;
    await fixture.forgetSessions();
    await waitUntil(() => initializes() > before + 1, 're-initialized', 15_000);
    await waitUntil(
      () => fixture.log.subscriptions!.filter((s) => s === '+memo://kept').length === 2,
      'subscribed again',
      15_000,
    );
    await waitUntil(() => heard.includes('notifications/tools/list_changed'), 'resync', 15_000);
    await waitUntil(() => fixture.streams > streams, "the new session's GET stream", 15_000);
    await call(pool, target, 'touch', { uri: 'memo://kept' });
    await waitUntil(
      () => heard.includes('notifications/resources/updated'),
      'update after reconnect',
      10_000,
    );
    watch.close();
  });
});
