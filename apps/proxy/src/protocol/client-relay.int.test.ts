import { startHttpFixture, type HttpFixture } from '@toolgate/mcp/upstream/testing/http-fixture';
import { eventually, sseEvents } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createHarness,
  rpc,
  type Harness,
  type RunningProxy,
  seedServerGateway,
} from '../testing/harness.ts';

/**
 * No sticky sessions: a client's answer to a server→client request, or its cancellation, may
 * reach a replica other than the one running the call. It still gets there.
 */
let h: Harness;
let fixture: HttpFixture;
let replicaA: RunningProxy;
let replicaB: RunningProxy;
let path: string;
let auth: Record<string, string>;

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  fixture = await startHttpFixture();
  const seeded = await seedServerGateway(h, {
    server: 'fx',
    upstream: { url: fixture.url },
    gateway: 'relay',
    tools: ['sample', 'slow'],
  });
  auth = { authorization: `Bearer ${seeded.token}` };
  path = seeded.path;
  [replicaA, replicaB] = await Promise.all([h.startProxy(), h.startProxy()]);
});

afterAll(async () => {
  await h?.close();
  await fixture?.close();
});

async function session(on: RunningProxy) {
  const init = await rpc(
    `${on.url}${path}`,
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: { sampling: {} },
        clientInfo: { name: 'relay-test', version: '1' },
      },
    },
    auth,
  );
  return {
    ...auth,
    'mcp-session-id': init.headers.get('mcp-session-id')!,
    'mcp-protocol-version': '2025-11-25',
  };
}

const post = (on: RunningProxy, headers: Record<string, string>, body: unknown, signal?: AbortSignal) =>
  fetch(`${on.url}${path}`, {
    method: 'POST',
    headers: {
      ...headers,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify(body),
    signal,
  });

describe('client messages for a call on another replica', () => {
  it("delivers the client's answer to a sampling request to the replica running the call", async () => {
    const headers = await session(replicaA);
    const res = await post(replicaA, headers, {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'fx__sample', arguments: { prompt: 'say hi' } },
    });
    const next = sseEvents(res);
    type Request = { id: string | number; method: string };
    let request: Request | undefined;
    while (!request) {
      const event = await next();
      if (!event) throw new Error('the stream ended before the sampling request');
      if (event.data === '') continue;
      const message = JSON.parse(event.data) as { id?: string | number; method?: string };
      if (message.method === 'sampling/createMessage') request = message as Request;
    }
    // The answer goes to replica B.
    const answered = await post(replicaB, headers, {
      jsonrpc: '2.0',
      id: request.id,
      result: { role: 'assistant', content: { type: 'text', text: 'hi there' }, model: 'test-model' },
    });
    expect(answered.status).toBe(202);
    let result: unknown;
    for (let e = await next(); e && result === undefined; e = await next()) {
      if (e.data === '') continue;
      const message = JSON.parse(e.data) as { id?: number; result?: unknown };
      if (message.id === 1) result = message.result;
    }
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'sampled: hi there' }] });
  });

  it('forwards a cancellation sent to another replica upstream', async () => {
    const headers = await session(replicaA);
    const abort = new AbortController();
    const call = post(
      replicaA,
      headers,
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'fx__slow', arguments: { ms: 30_000 } },
      },
      abort.signal,
    ).catch(() => undefined);
    const aborted = fixture.log.aborted.length;
    await eventually(() => expect(replicaA.proxy.dispatcher.calls.size).toBe(1), 10_000);
    const cancelled = await post(replicaB, headers, {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 7, reason: 'changed my mind' },
    });
    expect(cancelled.status).toBe(202);
    await eventually(() => expect(fixture.log.aborted.length).toBe(aborted + 1), 10_000);
    await eventually(() => expect(replicaA.proxy.dispatcher.calls.size).toBe(0), 10_000);
    abort.abort();
    await call;
  });
});
