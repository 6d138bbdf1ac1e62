import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
} from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, type Harness, type RunningProxy } from '../testing/harness.ts';
import { startModernUpstream } from '../testing/modern-upstream.ts';

/**
 * A modern-only (2026-07-28) upstream behind the gateway: the pool probes it with server/discover
 * and speaks 2026-07-28 to it, whatever era the gateway's own client speaks. Its input requests
 * (`input_required`) reach a 2025 client as ordinary elicitation/create requests (the reverse
 * bridge) and a 2026 client as the gateway's own `input_required`.
 */
let h: Harness;
let upstream: Awaited<ReturnType<typeof startModernUpstream>>;
let proxy: RunningProxy;
let url: string;
let token: string;

const answer = { action: 'accept' as const, content: { reason: 'tested' } };

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  upstream = await startModernUpstream();
  const db = h.db.db;
  const tenant = await seedTenant(db);
  const entry = await seedRegistryEntry(db, tenant.id, { slug: 'modern', url: upstream.url });
  const installation = await seedInstallation(db, tenant.id, entry.id);
  // Discovered the 2026-07-28 way: a 2025 client could not list this upstream's tools.
  const discovery = await modernClient(upstream.url, {});
  try {
    const { tools } = await discovery.listTools();
    await seedTools(
      db,
      tenant.id,
      installation.id,
      tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })),
    );
  } finally {
    await discovery.close();
  }
  const gateway = await seedGateway(db, tenant.id, { slug: 'modern-upstream' });
  await seedAssignments(db, tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'shout' },
    { registryEntryId: entry.id, toolName: 'confirm' },
  ]);
  token = (await seedApiToken(db, tenant.id)).token;
  proxy = await h.startProxy();
  url = `${proxy.url}/mcp/${tenant.slug}/${gateway.slug}`;
});

afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

async function modernClient(target: string, headers: Record<string, string>, asked?: string[]) {
  const client = new ModernClient(
    { name: 'modern-test', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  client.setRequestHandler('elicitation/create', (request) => {
    asked?.push((request.params as { message: string }).message);
    return Promise.resolve(answer);
  });
  await client.connect(new ModernTransport(new URL(target), { requestInit: { headers } }));
  return client;
}

async function legacyClient(asked: string[]) {
  const client = new Client({ name: 'legacy-test', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, (request) => {
    asked.push(request.params.message);
    return Promise.resolve(answer);
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

describe('a modern-only upstream behind the gateway', () => {
  it('serves a 2025-11-25 client, whose elicitation/create answer reaches the upstream', async () => {
    const asked: string[] = [];
    const client = await legacyClient(asked);
    try {
      expect(client.getServerVersion()?.name).not.toBe('modern-upstream');
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['modern__confirm', 'modern__shout']);
      const shouted = await client.callTool({ name: 'modern__shout', arguments: { text: 'quiet' } });
      expect(shouted.content).toEqual([{ type: 'text', text: 'QUIET' }]);
      // The upstream's input_required comes to this client as an ordinary server→client request.
      const confirmed = await client.callTool({ name: 'modern__confirm', arguments: { action: 'deploy' } });
      expect(asked).toEqual(['Really deploy?']);
      expect(confirmed.content).toEqual([
        { type: 'text', text: 'deploy confirmed (tested) after asked:deploy' },
      ]);
    } finally {
      await client.close();
    }
  });

  it('serves a 2026-07-28 client, whose input_required answer reaches the upstream', async () => {
    const asked: string[] = [];
    const client = await modernClient(url, { authorization: `Bearer ${token}` }, asked);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['modern__confirm', 'modern__shout']);
      const shouted = await client.callTool({ name: 'modern__shout', arguments: { text: 'modern' } });
      expect(shouted.content).toEqual([{ type: 'text', text: 'MODERN' }]);
      const confirmed = await client.callTool({ name: 'modern__confirm', arguments: { action: 'ship' } });
      expect(asked).toEqual(['Really ship?']);
      expect(confirmed.content).toEqual([{ type: 'text', text: 'ship confirmed (tested) after asked:ship' }]);
    } finally {
      await client.close();
    }
  });
});
