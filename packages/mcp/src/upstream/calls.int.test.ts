import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamPool } from './index.ts';
import { clientInfo, firstText, rejection } from './testing/helpers.ts';
import { type HttpFixture, startHttpFixture } from './testing/http-fixture.ts';
import { waitUntil } from './testing/processes.ts';
import type { JsonRpcNotification, JsonRpcRequest, UpstreamPool, UpstreamTarget } from './types.ts';

/** Per-call behaviour (timeouts, cancellation, relaying, concurrency) against the HTTP fixture. */
let fixture: HttpFixture;
let pool: UpstreamPool;
let keys = 0;
const target = (): UpstreamTarget => ({
  key: `calls-${++keys}`,
  label: 'fixture',
  transport: 'streamable_http',
  url: fixture.url,
});

const callsOf = (tool: string) =>
  fixture.received.filter(
    (entry) =>
      entry.message.method === 'tools/call' && (entry.message.params as { name: string }).name === tool,
  ).length;

/** The upstream id the fixture saw for the last tools/call of `tool`. */
const upstreamIdOf = (tool: string) =>
  fixture.received.findLast(
    (entry) =>
      entry.message.method === 'tools/call' && (entry.message.params as { name: string }).name === tool,
  )?.message.id;
const cancellationOf = (requestId: unknown) =>
  fixture.received.find(
    (entry) =>
      entry.message.method === 'notifications/cancelled' &&
      (entry.message.params as { requestId: unknown }).requestId === requestId,
  );

beforeAll(async () => {
  fixture = await startHttpFixture();
  pool = createUpstreamPool({ clientInfo });
});
afterAll(async () => {
  await pool.close();
  await fixture.close();
});

describe('timeouts and cancellation', () => {
  it('times out a slow call and tells the upstream to stop', async () => {
    const error = await rejection(
      pool.request(target(), 'tools/call', { name: 'slow', arguments: { ms: 10_000 } }, { timeoutMs: 200 }),
    );
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe("upstream 'fixture' did not answer tools/call within 200 ms");
    const id = upstreamIdOf('slow');
    await waitUntil(
      () => cancellationOf(id) !== undefined && fixture.log.aborted.includes(id as number),
      'the upstream got notifications/cancelled',
    );
    expect(cancellationOf(id)!.message.params).toMatchObject({
      requestId: id,
      reason: 'Timed out in the gateway',
    });
  });

  it('cancels a call when the caller aborts', async () => {
    const controller = new AbortController();
    const upstream = target();
    const sent = callsOf('slow');
    const call = rejection(
      pool.request(
        upstream,
        'tools/call',
        { name: 'slow', arguments: { ms: 10_000 } },
        { signal: controller.signal },
      ),
    );
    await waitUntil(() => callsOf('slow') === sent + 1, 'the call reached the upstream');
    controller.abort();
    const error = await call;
    expect(error.kind).toBe('cancelled');
    expect(error.message).toContain("upstream 'fixture'");
    const id = upstreamIdOf('slow');
    await waitUntil(() => cancellationOf(id) !== undefined, 'the upstream got notifications/cancelled');
    // The session stays usable.
    expect(
      firstText(
        await pool.request(upstream, 'tools/call', { name: 'echo', arguments: { message: 'still here' } }),
      ),
    ).toBe('Echo: still here');
  });

  it('rejects at once when the signal is already aborted', async () => {
    const error = await rejection(pool.request(target(), 'tools/list', {}, { signal: AbortSignal.abort() }));
    expect(error.kind).toBe('cancelled');
  });
});

describe('relaying', () => {
  it('routes progress to the call that owns the token, even when two callers chose the same token', async () => {
    const upstream = target();
    const seen: JsonRpcNotification[][] = [[], []];
    const calls = [0, 1].map((index) =>
      pool.request(
        upstream,
        'tools/call',
        { name: 'progress', arguments: { steps: 3, intervalMs: 30 }, _meta: { progressToken: 'same-token' } },
        { onNotification: (notification) => seen[index]!.push(notification) },
      ),
    );
    expect((await Promise.all(calls)).map(firstText)).toEqual([
      'progress done after 3 steps',
      'progress done after 3 steps',
    ]);
    for (const notifications of seen) {
      expect(notifications.map((notification) => notification.params)).toEqual(
        [1, 2, 3].map((progress) => ({ progressToken: 'same-token', progress, total: 3 })),
      );
    }
    const sentTokens = fixture.received
      .filter((entry) => (entry.message.params as { name?: string } | undefined)?.name === 'progress')
      .map((entry) => (entry.message.params as { _meta: { progressToken: unknown } })._meta.progressToken);
    expect(new Set(sentTokens.slice(-2)).size).toBe(2);
    expect(sentTokens.slice(-2)).toContain('same-token');
  });

  it('relays a log message to the call whose stream carried it only', async () => {
    const upstream = target();
    const logged: JsonRpcNotification[] = [];
    const bystander: JsonRpcNotification[] = [];
    const slow = pool.request(
      upstream,
      'tools/call',
      { name: 'slow', arguments: { ms: 200 } },
      { onNotification: (n) => bystander.push(n) },
    );
    await pool.request(
      upstream,
      'tools/call',
      { name: 'log', arguments: { message: 'hello log' } },
      { onNotification: (n) => logged.push(n) },
    );
    await slow;
    expect(logged).toEqual([
      {
        jsonrpc: '2.0',
        method: 'notifications/message',
        params: { level: 'info', logger: 'fixture', data: 'hello log' },
      },
    ]);
    expect(bystander).toEqual([]);
  });

  it('hands a sampling request to the caller and its result to the upstream tool', async () => {
    const asked: JsonRpcRequest[] = [];
    const result = await pool.request(
      target(),
      'tools/call',
      { name: 'sample', arguments: { prompt: 'write a haiku' } },
      {
        onRequest: async (request) => {
          asked.push(request);
          return { role: 'assistant', content: { type: 'text', text: 'an old silent pond' }, model: 'test' };
        },
      },
    );
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      method: 'sampling/createMessage',
      params: { messages: [{ content: { text: 'write a haiku' } }] },
    });
    expect(firstText(result)).toBe('sampled: an old silent pond');
  });

  it("relays the client's JSON-RPC error, and answers -32601 when the caller cannot relay", async () => {
    const refused = await pool.request(
      target(),
      'tools/call',
      { name: 'sample', arguments: { prompt: 'p' } },
      {
        onRequest: () => Promise.reject(Object.assign(new Error('User rejected sampling'), { code: -1 })),
      },
    );
    expect(refused.isError).toBe(true);
    expect(firstText(refused)).toContain('User rejected sampling');
    const unsupported = await pool.request(target(), 'tools/call', {
      name: 'sample',
      arguments: { prompt: 'p' },
    });
    expect(unsupported.isError).toBe(true);
    expect(firstText(unsupported)).toContain('cannot relay sampling/createMessage');
  });
});

describe('concurrency', () => {
  it('caps in-flight calls, queues a bounded number and refuses the rest as overloaded', async () => {
    const capped = createUpstreamPool({ clientInfo, maxConcurrency: 2, maxQueue: 1 });
    const upstream = target();
    try {
      await capped.serverInfo(upstream);
      const slow = () => capped.request(upstream, 'tools/call', { name: 'slow', arguments: { ms: 300 } });
      const running = [slow(), slow(), slow()];
      expect(capped.stats()).toMatchObject({ inFlight: 2, queued: 1 });
      const error = await rejection(slow());
      expect(error.kind).toBe('overloaded');
      expect(error.message).toBe("upstream 'fixture' is overloaded (2 calls in flight, 1 queued)");
      expect((await Promise.all(running)).map(firstText)).toEqual(['slow done', 'slow done', 'slow done']);
      expect(capped.stats()).toMatchObject({ inFlight: 0, queued: 0 });
    } finally {
      await capped.close();
    }
  });

  it('times out a call that waited too long for a slot without sending it', async () => {
    const capped = createUpstreamPool({ clientInfo, maxConcurrency: 1 });
    const upstream = target();
    try {
      const first = capped.request(upstream, 'tools/call', { name: 'slow', arguments: { ms: 400 } });
      const error = await rejection(
        capped.request(
          upstream,
          'tools/call',
          { name: 'echo', arguments: { message: 'never' } },
          { timeoutMs: 100 },
        ),
      );
      expect(error.kind).toBe('timeout');
      expect(fixture.received.some((entry) => JSON.stringify(entry.message).includes('never'))).toBe(false);
      await first;
    } finally {
      await capped.close();
    }
  });
});

describe('shutting down', () => {
  it('rejects in-flight and queued calls on evict, then reconnects on demand', async () => {
    const capped = createUpstreamPool({ clientInfo, maxConcurrency: 1 });
    const upstream = target();
    try {
      const sent = callsOf('slow');
      const inFlight = rejection(
        capped.request(upstream, 'tools/call', { name: 'slow', arguments: { ms: 5_000 } }),
      );
      const queued = rejection(capped.request(upstream, 'tools/list', {}));
      await waitUntil(
        () => capped.stats().queued === 1 && callsOf('slow') === sent + 1,
        'one call runs and one waits',
      );
      await capped.evict(upstream.key);
      for (const error of await Promise.all([inFlight, queued])) {
        expect(error.kind).toBe('closed');
        expect(error.message).toContain("upstream 'fixture'");
      }
      expect(capped.stats()).toEqual({ sessions: 0, processes: 0, inFlight: 0, queued: 0, watched: 0 });
      expect(
        firstText(
          await capped.request(upstream, 'tools/call', { name: 'echo', arguments: { message: 'again' } }),
        ),
      ).toBe('Echo: again');
    } finally {
      await capped.close();
    }
  });

  it('rejects in-flight calls on close and refuses new ones', async () => {
    const closing = createUpstreamPool({ clientInfo });
    const upstream = target();
    const sent = callsOf('slow');
    const inFlight = rejection(
      closing.request(upstream, 'tools/call', { name: 'slow', arguments: { ms: 5_000 } }),
    );
    await waitUntil(() => callsOf('slow') === sent + 1, 'the call is in flight');
    await closing.close();
    expect((await inFlight).kind).toBe('closed');
    expect((await rejection(closing.request(upstream, 'tools/list', {}))).kind).toBe('closed');
  });
});
