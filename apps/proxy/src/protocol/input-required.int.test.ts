import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { seedApiToken } from '@toolgate/db/testing';
import { startConformanceFixture } from '@toolgate/fixtures/conformance-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, type Harness, type RunningProxy, seedServerGateway } from '../testing/harness.ts';

/**
 * Multi-round-trip requests: a 2025-era upstream that elicits during a call, in front of
 * 2026-07-28 clients, across two replicas sharing Redis.
 */
let h: Harness;
let fixture: Awaited<ReturnType<typeof startConformanceFixture>>;
let replicaA: RunningProxy;
let replicaB: RunningProxy;
let path: string;
let token: string;
let otherToken: string;

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
};

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  fixture = await startConformanceFixture({ host: '127.0.0.1' });
  const seeded = await seedServerGateway(h, {
    server: 'fixture',
    upstream: { url: fixture.url },
    gateway: 'asks',
    tools: [{ toolName: 'test_elicitation', alias: 'ask' }],
  });
  token = seeded.token;
  otherToken = (await seedApiToken(h.db.db, seeded.tenant.id)).token;
  replicaA = await h.startProxy();
  replicaB = await h.startProxy();
  path = seeded.path;
});

afterAll(async () => {
  await h?.close();
  await fixture?.close();
});

async function callAsk(base: string, params: Record<string, unknown>, bearer = token) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${bearer}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'ask',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'ask', arguments: { message: 'Who are you?' }, _meta: META, ...params },
    }),
  });
  return (await res.json()) as {
    result?: {
      resultType: string;
      inputRequests?: Record<string, { method: string; params: { message: string } }>;
      requestState?: string;
      content?: { text: string }[];
    };
    error?: { code: number; message: string };
  };
}

const answer = { action: 'accept' as const, content: { username: 'ada', email: 'ada@example.com' } };

describe('input_required for 2026-07-28 clients (an upstream that elicits)', () => {
  it('the v2 SDK client answers the embedded elicitation and gets the result', async () => {
    const client = new Client(
      { name: 'mrtr', version: '1.0.0' },
      { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', (request) => {
      asked.push((request.params as { message: string }).message);
      return Promise.resolve(answer);
    });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${replicaA.url}${path}`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    try {
      const result = await client.callTool({ name: 'ask', arguments: { message: 'Who are you?' } });
      expect(asked).toEqual(['Who are you?']);
      expect(result.content).toEqual([
        {
          type: 'text',
          text: 'User response: action=accept, content={"username":"ada","email":"ada@example.com"}',
        },
      ]);
    } finally {
      await client.close();
    }
  });

  it('holds the upstream call on one replica and resumes it from a retry on another', async () => {
    const first = await callAsk(replicaA.url, {});
    expect(first.result?.resultType).toBe('input_required');
    const [key, request] = Object.entries(first.result!.inputRequests!)[0]!;
    expect(request).toMatchObject({ method: 'elicitation/create', params: { message: 'Who are you?' } });
    const retry = await callAsk(replicaB.url, {
      inputResponses: { [key]: answer },
      requestState: first.result!.requestState,
    });
    expect(retry.result).toMatchObject({
      resultType: 'complete',
      content: [
        { text: 'User response: action=accept, content={"username":"ada","email":"ada@example.com"}' },
      ],
    });
    // A state is good for one answer: the call it named is over.
    const again = await callAsk(replicaA.url, {
      inputResponses: { [key]: answer },
      requestState: first.result!.requestState,
    });
    expect(again.error?.code).toBe(-32602);
  });

  it('refuses a tampered state, another caller’s state, and a retry without the answer', async () => {
    const first = await callAsk(replicaA.url, {});
    const state = first.result!.requestState!;
    const [key] = Object.keys(first.result!.inputRequests!);
    const tampered = `${state.slice(0, -4)}${state.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    for (const [params, bearer] of [
      [{ inputResponses: { [key!]: answer }, requestState: tampered }, token],
      [{ inputResponses: { [key!]: answer }, requestState: state }, otherToken],
      [{ inputResponses: { [key!]: answer }, requestState: 'not-a-state' }, token],
    ] as const) {
      const refused = await callAsk(replicaB.url, params, bearer);
      expect(refused.error?.code).toBe(-32602);
      expect(refused.error?.message).toContain('requestState is not one this gateway issued to you');
    }
    const missing = await callAsk(replicaB.url, { inputResponses: {}, requestState: state });
    expect(missing.error).toMatchObject({
      code: -32602,
      message: expect.stringContaining(`inputResponses["${key}"]`) as unknown,
    });
    // The rightful caller can still finish the call.
    const done = await callAsk(replicaA.url, { inputResponses: { [key!]: answer }, requestState: state });
    expect(done.result?.resultType).toBe('complete');
  });
});
