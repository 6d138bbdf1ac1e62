import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { seedAssignments, seedGateway, type seedRegistryEntry, type seedTenant } from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { invalidateGateways } from '@toolgate/bus';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectClient,
  createHarness,
  type Harness,
  type RunningProxy,
  seedServerGateway,
} from '../testing/harness.ts';
import { startV2Upstream } from '../testing/v2-upstream.ts';

let h: Harness;
let everything: RunningEverythingServer;
let v2Upstream: Awaited<ReturnType<typeof startV2Upstream>>;
let url: string;
let v2Url: string;
let token: string;
let proxy: RunningProxy;
let tenant: Awaited<ReturnType<typeof seedTenant>>;
let everythingEntry: Awaited<ReturnType<typeof seedRegistryEntry>>;

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  everything = await startEverythingServer('streamableHttp');
  v2Upstream = await startV2Upstream();
  const modern = await seedServerGateway(h, {
    server: 'everything',
    upstream: { url: everything.url },
    gateway: 'modern',
    tools: ['echo', 'trigger-long-running-operation'],
  });
  tenant = modern.tenant;
  everythingEntry = modern.entry;
  token = modern.token;
  const v2 = await seedServerGateway(h, {
    tenant,
    server: 'v2',
    upstream: { url: v2Upstream.url },
    gateway: 'v2',
    tools: ['shout'],
  });
  proxy = await h.startProxy();
  url = `${proxy.url}${modern.path}`;
  v2Url = `${proxy.url}${v2.path}`;
});

afterAll(async () => {
  await h?.close();
  await everything?.close();
  await v2Upstream?.close();
});

async function v2Client(mode: 'auto' | { pin: string }, target = url) {
  const client = new Client({ name: 'v2-test', version: '1.0.0' }, { versionNegotiation: { mode } });
  const transport = new StreamableHTTPClientTransport(new URL(target), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

describe.each([
  ['pinned to 2026-07-28', { pin: '2026-07-28' }],
  ['in auto mode', 'auto' as const],
])('the v2 SDK client %s', (_name, mode) => {
  it('speaks 2026-07-28 to the gateway: lists, calls, and follows progress', async () => {
    const client = await v2Client(mode);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      const listed = await client.listTools();
      expect(listed.tools.map((t) => t.name).sort()).toEqual([
        'everything__echo',
        'everything__trigger-long-running-operation',
      ]);
      // The list depends on who asks (their access to this gateway): never shared across callers.
      expect(listed).toMatchObject({ cacheScope: 'private', ttlMs: 60_000 });
      const echoed = await client.callTool({ name: 'everything__echo', arguments: { message: 'hi' } });
      expect(echoed.content).toEqual([{ type: 'text', text: 'Echo: hi' }]);

      const progress: number[] = [];
      const long = await client.callTool(
        { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
        { onprogress: (p) => progress.push(p.progress) },
      );
      expect(long.isError).toBeFalsy();
      expect(progress).toEqual([1, 2, 3]);
    } finally {
      await client.close();
    }
  });
});

describe('a v2 SDK server as the upstream', () => {
  it('answers a 2025-11-25 client and a 2026-07-28 client through the gateway', async () => {
    const { client: legacy } = await connectClient(v2Url, token);
    try {
      const shouted = await legacy.callTool({ name: 'v2__shout', arguments: { text: 'quiet' } });
      expect(shouted.content).toEqual([{ type: 'text', text: 'QUIET' }]);
    } finally {
      await legacy.close();
    }
    const modern = await v2Client({ pin: '2026-07-28' }, v2Url);
    try {
      const shouted = await modern.callTool({ name: 'v2__shout', arguments: { text: 'modern' } });
      expect(shouted.content).toEqual([{ type: 'text', text: 'MODERN' }]);
    } finally {
      await modern.close();
    }
  });
});

describe('subscriptions/listen', () => {
  it('acknowledges tool list changes and announces them when an admin changes the gateway', async () => {
    const { db } = h;
    const gateway = await seedGateway(db.db, tenant.id, { slug: 'listening' });
    await seedAssignments(db.db, tenant.id, gateway.id, [
      { registryEntryId: everythingEntry.id, toolName: 'echo' },
    ]);
    const client = await v2Client({ pin: '2026-07-28' }, url.replace('/modern', '/listening'));
    const changed: unknown[] = [];
    client.setNotificationHandler('notifications/tools/list_changed', (n) => void changed.push(n));
    try {
      const subscription = await client.listen({ toolsListChanged: true, promptsListChanged: true });
      // Only what the gateway honours is acknowledged: its own tool set, not upstream prompts.
      expect(subscription.honoredFilter).toEqual({ toolsListChanged: true });
      // Cached by the client for ttlMs, until the notification makes it stale.
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['everything__echo']);
      await seedAssignments(db.db, tenant.id, gateway.id, [
        { registryEntryId: everythingEntry.id, toolName: 'get-sum' },
      ]);
      await invalidateGateways(proxy.bus, {
        tenantId: tenant.id,
        tenantSlug: tenant.slug,
        gateways: [gateway],
        reason: 'tools assigned',
      });
      await eventually(() => expect(changed).toHaveLength(1));
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['everything__echo', 'everything__get-sum']);
      await subscription.close();
      expect(await subscription.closed).toBe('local');
    } finally {
      await client.close();
    }
  });
});
