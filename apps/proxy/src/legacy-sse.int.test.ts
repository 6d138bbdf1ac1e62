import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
} from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
import { SseParser, type SseEvent } from '@toolgate/mcp/upstream/sse-parser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectLegacyClient,
  createHarness,
  discoverAndSeedTools,
  rpc,
  type RunningProxy,
} from './testing/harness.ts';

type Harness = Awaited<ReturnType<typeof createHarness>>;

let h: Harness;
let everything: RunningEverythingServer;
let proxyA: RunningProxy;
let proxyB: RunningProxy;
const world = {} as {
  tenantSlug: string;
  orgToken: string;
  memberToken: string;
  otherTenantToken: string;
  otherGatewaySlug: string;
  /** A gateway's legacy endpoints on one replica. */
  sse: (proxy: RunningProxy, gatewaySlug?: string) => string;
  messages: (proxy: RunningProxy, sessionId: string, gatewaySlug?: string) => string;
};

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  everything = await startEverythingServer('streamableHttp');
  const { db } = h;
  const tenant = await seedTenant(db.db);
  const otherTenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'everything', url: everything.url });
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  await discoverAndSeedTools(db, tenant.id, installation.id, { url: everything.url });
  // Offered only to clients that can sample, which discovery's client cannot; the gateway can.
  await seedTools(db.db, tenant.id, installation.id, [
    {
      name: 'trigger-sampling-request',
      inputSchema: {
        type: 'object',
        properties: { prompt: { type: 'string' }, maxTokens: { type: 'number' } },
        required: ['prompt'],
      },
    },
  ]);
  const gateway = await seedGateway(db.db, tenant.id, { slug: 'dev' });
  await seedAssignments(db.db, tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'echo' },
    { registryEntryId: entry.id, toolName: 'trigger-sampling-request' },
  ]);
  const otherGateway = await seedGateway(db.db, tenant.id);
  Object.assign(world, {
    tenantSlug: tenant.slug,
    orgToken: (await seedApiToken(db.db, tenant.id)).token,
    memberToken: (await seedApiToken(db.db, tenant.id)).token,
    otherTenantToken: (await seedApiToken(db.db, otherTenant.id)).token,
    otherGatewaySlug: otherGateway.slug,
    sse: (proxy: RunningProxy, gatewaySlug = 'dev') => `${proxy.url}/mcp/${tenant.slug}/${gatewaySlug}/sse`,
    messages: (proxy: RunningProxy, sessionId: string, gatewaySlug = 'dev') =>
      `${proxy.url}/mcp/${tenant.slug}/${gatewaySlug}/messages?sessionId=${encodeURIComponent(sessionId)}`,
  });
  [proxyA, proxyB] = await Promise.all([h.startProxy(), h.startProxy()]);
});

afterAll(async () => {
  await h?.close();
  await everything?.close();
});

/** A raw legacy stream, for what the SDK client would never do. */
async function openStream(url: string, token?: string) {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  if (res.ok && res.body) {
    const parser = new SseParser((event) => events.push(event));
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.push(value);
      }
    })().catch(() => {});
  }
  const endpoint = async () => {
    await eventually(() => expect(events[0]?.event).toBe('endpoint'));
    return events[0]!.data;
  };
  const messages = () =>
    events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data) as Record<string, unknown>);
  return { res, events, endpoint, messages, close: () => controller.abort() };
}

const sessionIdOf = (endpointPath: string) =>
  new URL(endpointPath, 'http://x').searchParams.get('sessionId')!;

describe('legacy HTTP+SSE transport (2024-11-05)', () => {
  it('serves an SDK client whose stream is on one replica and whose posts land on another', async () => {
    const { client, posted } = await connectLegacyClient(world.sse(proxyA), world.orgToken, {
      postTo: () => proxyB.url,
    });
    try {
      expect(client.getServerVersion()?.name).toBe(`toolgate/${world.tenantSlug}/dev`);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        'everything__echo',
        'everything__trigger-sampling-request',
      ]);
      const echo = await client.callTool({
        name: 'everything__echo',
        arguments: { message: 'hello legacy' },
      });
      expect(echo.content).toEqual([{ type: 'text', text: 'Echo: hello legacy' }]);

      expect(posted.map((p) => p.message.method)).toEqual([
        'initialize',
        'notifications/initialized',
        'tools/list',
        'tools/call',
      ]);
      expect(new Set(posted.map((p) => p.origin))).toEqual(new Set([proxyB.url]));
      expect(proxyA.proxy.legacy.openStreams).toBe(1);
      expect(proxyB.proxy.legacy.openStreams).toBe(0);
    } finally {
      await client.close();
    }
    await eventually(() => expect(proxyA.proxy.legacy.openStreams).toBe(0));
  });

  it("relays a server→client request to the stream's replica and the client's answer back to the call", async () => {
    const { client, posted } = await connectLegacyClient(world.sse(proxyA), world.orgToken, {
      capabilities: { sampling: {} },
      // Requests go to B, where the call runs; the client's answer goes to A.
      postTo: (message) => ('method' in message ? proxyB.url : proxyA.url),
    });
    const asked: string[] = [];
    client.setRequestHandler(CreateMessageRequestSchema, (request) => {
      asked.push(request.method);
      return { model: 'test', role: 'assistant', content: { type: 'text', text: 'sampled over legacy SSE' } };
    });
    try {
      const result = await client.callTool(
        { name: 'everything__trigger-sampling-request', arguments: { prompt: 'say hi', maxTokens: 5 } },
        undefined,
        { timeout: 15_000 },
      );
      expect(asked).toEqual(['sampling/createMessage']);
      expect(JSON.stringify(result.content)).toContain('sampled over legacy SSE');
      const answer = posted.find((p) => !('method' in p.message));
      expect(answer?.origin).toBe(proxyA.url);
    } finally {
      await client.close();
    }
  });

  it('keeps concurrent sessions apart', async () => {
    const clients = await Promise.all([
      connectLegacyClient(world.sse(proxyA), world.orgToken, { postTo: () => proxyB.url }),
      connectLegacyClient(world.sse(proxyB), world.memberToken, { postTo: () => proxyA.url }),
    ]);
    try {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          clients[i % 2]!.client.callTool({ name: 'everything__echo', arguments: { message: `m${i}` } }),
        ),
      );
      expect(results.map((r) => r.content)).toEqual(
        Array.from({ length: 10 }, (_, i) => [{ type: 'text', text: `Echo: m${i}` }]),
      );
    } finally {
      await Promise.all(clients.map((c) => c.client.close()));
    }
  });

  it('challenges missing and foreign tokens exactly like the Streamable HTTP endpoint', async () => {
    const anonymous = await openStream(world.sse(proxyA));
    expect(anonymous.res.status).toBe(401);
    expect(anonymous.res.headers.get('www-authenticate')).toMatch(
      /^Bearer resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp\/[^"]+\/dev"$/,
    );
    const streamable = await rpc(`${proxyA.url}/mcp/${world.tenantSlug}/dev`, {
      jsonrpc: '2.0',
      id: 1,
      method: 'ping',
    });
    expect(await anonymous.res.text()).toBe(streamable.text);
    expect(anonymous.res.headers.get('www-authenticate')).toBe(streamable.headers.get('www-authenticate'));

    const foreign = await openStream(world.sse(proxyA), world.otherTenantToken);
    expect(foreign.res.status).toBe(401);
    expect(foreign.res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

    const post = await rpc(world.messages(proxyB, 'whatever'), { jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(post.status).toBe(401);
    expect(post.headers.get('www-authenticate')).toMatch(/resource_metadata=/);
  });

  it('accepts posts only for a live legacy session of the same principal and gateway', async () => {
    const stream = await openStream(world.sse(proxyA), world.orgToken);
    expect(stream.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const endpoint = await stream.endpoint();
    expect(endpoint).toMatch(new RegExp(`^/mcp/${world.tenantSlug}/dev/messages\\?sessionId=[^&]+$`));
    const sessionId = sessionIdOf(endpoint);
    const auth = { authorization: `Bearer ${world.orgToken}` };
    const ping = { jsonrpc: '2.0', id: 'p1', method: 'ping' };
    try {
      const accepted = await rpc(`${proxyB.url}${endpoint}`, ping, auth);
      expect(accepted.status).toBe(202);
      await eventually(() => expect(stream.messages()).toEqual([{ jsonrpc: '2.0', id: 'p1', result: {} }]));

      expect((await rpc(world.messages(proxyB, 'v1.s1.nope.nope'), ping, auth)).status).toBe(404);
      expect((await rpc(`${proxyB.url}/mcp/${world.tenantSlug}/dev/messages`, ping, auth)).status).toBe(400);
      const otherPrincipal = await rpc(world.messages(proxyB, sessionId), ping, {
        authorization: `Bearer ${world.memberToken}`,
      });
      expect(otherPrincipal.status).toBe(404);
      expect((await rpc(world.messages(proxyB, sessionId, world.otherGatewaySlug), ping, auth)).status).toBe(
        404,
      );

      // A Streamable HTTP session is not a legacy one.
      const init = await rpc(
        `${proxyA.url}/mcp/${world.tenantSlug}/dev`,
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 'x', version: '1' },
          },
        },
        auth,
      );
      const streamableSession = init.headers.get('mcp-session-id')!;
      expect((await rpc(world.messages(proxyB, streamableSession), ping, auth)).status).toBe(404);
    } finally {
      stream.close();
    }
    // The session ends with its stream, on every replica.
    await eventually(async () => {
      expect((await rpc(`${proxyB.url}${endpoint}`, ping, auth)).status).toBe(404);
      expect((await rpc(`${proxyA.url}${endpoint}`, ping, auth)).status).toBe(404);
    });
  });

  it('answers malformed posts with the same errors as the Streamable HTTP endpoint', async () => {
    const stream = await openStream(world.sse(proxyA), world.orgToken);
    const url = `${proxyB.url}${await stream.endpoint()}`;
    const auth = { authorization: `Bearer ${world.orgToken}` };
    try {
      const parse = await rpc(url, '{"jsonrpc": "2.0", "id": 1, "method": ', auth);
      expect(parse.status).toBe(400);
      expect(parse.json).toMatchObject({ id: null, error: { code: -32700 } });

      const invalid = await rpc(url, { jsonrpc: '1.0', id: 7, method: 'ping' }, auth);
      expect(invalid.status).toBe(400);
      expect(invalid.json).toMatchObject({ id: 7, error: { code: -32600 } });

      const batch = await rpc(url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }], auth);
      expect(batch.status).toBe(400);
      expect((batch.json!.error as { message: string }).message).toMatch(/batches are not supported/);

      const big = await rpc(
        url,
        { jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(1_100_000) } },
        auth,
      );
      expect(big.status).toBe(413);

      const wrongType = await fetch(url, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'text/plain' },
        body: '{}',
      });
      expect(wrongType.status).toBe(415);

      expect((await fetch(url, { headers: auth })).status).toBe(405);
      expect((await rpc(world.sse(proxyA), {}, auth)).status).toBe(405);
      const evilOrigin = await rpc(
        url,
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { ...auth, origin: 'https://evil.example' },
      );
      expect(evilOrigin.status).toBe(403);

      // None of that reached the stream.
      expect(stream.messages()).toEqual([]);
    } finally {
      stream.close();
    }
  });

  it('ends open streams, and their sessions, when a replica drains', async () => {
    const replica = await h.startProxy();
    const stream = await openStream(world.sse(replica), world.orgToken);
    const endpoint = await stream.endpoint();
    expect(replica.proxy.legacy.openStreams).toBe(1);
    const started = Date.now();
    await replica.close();
    // Ended streams do not hold the drain until its grace period (1 s in the harness) runs out.
    expect(Date.now() - started).toBeLessThan(900);
    await eventually(async () =>
      expect(
        (
          await rpc(
            `${proxyA.url}${endpoint}`,
            { jsonrpc: '2.0', id: 1, method: 'ping' },
            {
              authorization: `Bearer ${world.orgToken}`,
            },
          )
        ).status,
      ).toBe(404),
    );
    stream.close();
  });
});
