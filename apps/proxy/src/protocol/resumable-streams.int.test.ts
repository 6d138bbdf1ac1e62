import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually, sseEvents, type SseEvent } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectClient,
  createHarness,
  initializeSession,
  type Harness,
  type RunningProxy,
  seedServerGateway,
} from '../testing/harness.ts';

/** Two replicas sharing Redis: a stream started on one is resumed on the other. */
let h: Harness;
let everything: RunningEverythingServer;
let replicaA: RunningProxy;
let replicaB: RunningProxy;
let path: string;
let auth: Record<string, string>;

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  everything = await startEverythingServer('streamableHttp');
  const seeded = await seedServerGateway(h, {
    server: 'everything',
    upstream: { url: everything.url },
    gateway: 'resumable',
    tools: [{ toolName: 'trigger-long-running-operation', alias: 'slow' }],
  });
  auth = { authorization: `Bearer ${seeded.token}` };
  replicaA = await h.startProxy();
  replicaB = await h.startProxy();
  path = seeded.path;
});

afterAll(async () => {
  await h?.close();
  await everything?.close();
});

const slowCall = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'slow', arguments: { duration: 1.2, steps: 4 }, _meta: { progressToken: 'p' } },
});

function post(base: string, headers: Record<string, string>, body: unknown, signal?: AbortSignal) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      ...headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify(body),
    signal,
  });
}

function resume(base: string, headers: Record<string, string>, lastEventId: string) {
  return fetch(`${base}${path}`, {
    headers: { ...headers, accept: 'text/event-stream', 'last-event-id': lastEventId },
  });
}

describe('resumable streams (2025-11-25)', () => {
  it('primes the stream, survives a dropped connection, and resumes on another replica', async () => {
    const { headers } = await initializeSession(`${replicaA.url}${path}`, auth);
    const abort = new AbortController();
    const res = await post(replicaA.url, headers, slowCall(1), abort.signal);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const next = sseEvents(res);
    const priming = (await next())!;
    expect(priming).toMatchObject({ data: '', retry: 1_000 });
    const [streamId, zero] = priming.id!.split('.');
    expect(zero).toBe('0');
    const first = (await next())!;
    expect(first.id).toBe(`${streamId}.1`);
    expect(JSON.parse(first.data)).toMatchObject({
      method: 'notifications/progress',
      params: { progress: 1 },
    });
    abort.abort(); // the connection drops mid-call; the call goes on

    const resumed = await resume(replicaB.url, headers, first.id!);
    expect(resumed.status).toBe(200);
    const rest: SseEvent[] = [];
    const more = sseEvents(resumed);
    for (let e = await more(); e; e = await more()) if (e.data !== '') rest.push(e);
    const messages = rest.map(
      (e) => JSON.parse(e.data) as { method?: string; params?: { progress: number }; result?: unknown },
    );
    expect(
      messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params!.progress),
    ).toEqual([2, 3, 4]);
    expect(messages.at(-1)).toMatchObject({ id: 1, result: { content: [{ type: 'text' }] } });
    expect(rest.map((e) => Number(e.id!.split('.')[1]))).toEqual([2, 3, 4, 5]);
  });

  it('refuses a Last-Event-ID of another session, or one it never issued, and writes nothing of it', async () => {
    const owner = await initializeSession(`${replicaA.url}${path}`, auth);
    const res = await post(replicaA.url, owner.headers, slowCall(2));
    const next = sseEvents(res);
    const priming = (await next())!;
    const other = await initializeSession(`${replicaA.url}${path}`, auth);
    for (const id of [priming.id!, 'x'.repeat(22) + '.1', 'nonsense']) {
      const refused = await resume(replicaB.url, other.headers, id);
      expect(refused.status).toBe(404);
      const body = (await refused.json()) as { error: { message: string } };
      expect(body.error.message).toContain('names no stream of this session');
    }
    for (let e = await next(); e; e = await next()) if (e.data.includes('"result"')) break;
  });

  it('a long call with nothing to send becomes resumable too, once it has taken MCP_SSE_AFTER_MS', async () => {
    const patient = await h.startProxy({ MCP_SSE_AFTER_MS: '200' });
    try {
      const { headers } = await initializeSession(`${patient.url}${path}`, auth);
      const abort = new AbortController();
      const res = await post(
        patient.url,
        headers,
        {
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: { name: 'slow', arguments: { duration: 1.5, steps: 3 } },
        },
        abort.signal,
      );
      // No progress token: nothing to send, yet the answer turns into a primed stream.
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const priming = (await sseEvents(res)())!;
      expect(priming).toMatchObject({ data: '', retry: 1_000 });
      abort.abort();
      const resumed = await resume(replicaB.url, headers, priming.id!);
      const events: SseEvent[] = [];
      const next = sseEvents(resumed);
      for (let e = await next(); e; e = await next()) if (e.data !== '') events.push(e);
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]!.data)).toMatchObject({ id: 3, result: { content: [{ type: 'text' }] } });
    } finally {
      await patient.close();
    }
  });

  it('a gateway that ends long streams on purpose: the SDK client resumes and gets every event', async () => {
    const cutting = await h.startProxy({ MCP_STREAM_MAX_MS: '400' });
    const { client } = await connectClient(`${cutting.url}${path}`, auth.authorization!.slice(7));
    try {
      const progress: number[] = [];
      const result = await client.callTool(
        { name: 'slow', arguments: { duration: 1.2, steps: 4 } },
        undefined,
        { onprogress: (p) => progress.push(p.progress), timeout: 10_000 },
      );
      expect(result.content).toEqual([expect.objectContaining({ type: 'text' })]);
      expect(progress).toEqual([1, 2, 3, 4]);
    } finally {
      await client.close();
      await cutting.close();
    }
  });

  it('a draining replica finishes a call whose client went away; the client resumes it elsewhere', async () => {
    const leaving = await h.startProxy();
    const { headers } = await initializeSession(`${leaving.url}${path}`, auth);
    const abort = new AbortController();
    const res = await post(leaving.url, headers, slowCall(9), abort.signal);
    const next = sseEvents(res);
    const priming = (await next())!;
    abort.abort(); // the client is gone; the call runs on
    await eventually(() => expect(leaving.proxy.dispatcher.calls.size).toBe(1), 5_000);
    const drained = leaving.close(10_000);
    await eventually(() => expect(leaving.proxy.dispatcher.calls.size).toBe(0), 10_000);
    await drained;
    const resumed = await resume(replicaB.url, headers, priming.id!);
    const events: SseEvent[] = [];
    const more = sseEvents(resumed);
    for (let e = await more(); e; e = await more()) if (e.data !== '') events.push(e);
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ id: 9, result: { content: [{ type: 'text' }] } });
  });
});
