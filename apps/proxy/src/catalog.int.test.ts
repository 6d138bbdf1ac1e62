import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
} from '@toolgate/db/testing';
import { startConformanceFixture } from '@toolgate/fixtures/conformance-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectClient,
  createHarness,
  discoverAndSeedTools,
  rpc,
  type RunningProxy,
} from './testing/harness.ts';

type Harness = Awaited<ReturnType<typeof createHarness>>;

let h: Harness;
let fixture: Awaited<ReturnType<typeof startConformanceFixture>>;
let proxy: RunningProxy;
let tenantSlug: string;
let token: string;
let entrySlug: string;
let withTools: string;
let resourcesOnly: string;

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  fixture = await startConformanceFixture({ host: '127.0.0.1' });
  const { db } = h;
  const tenant = await seedTenant(db.db);
  tenantSlug = tenant.slug;
  const entry = await seedRegistryEntry(db.db, tenant.id, { url: fixture.url });
  entrySlug = entry.slug;
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  // A second installation of the same server whose tools were never discovered: from the
  // gateway's point of view a server with resources and no tools.
  const bare = await seedRegistryEntry(db.db, tenant.id, { slug: `${entry.slug}-docs`, url: fixture.url });
  await seedInstallation(db.db, tenant.id, bare.id);
  await discoverAndSeedTools(db, tenant.id, installation.id, { url: fixture.url });

  const gw = await seedGateway(db.db, tenant.id);
  await seedAssignments(db.db, tenant.id, gw.id, [
    { registryEntryId: entry.id, toolName: 'test_simple_text' },
    { registryEntryId: entry.id, toolName: 'test_image_content' },
    { registryEntryId: entry.id, toolName: 'test_audio_content' },
    { registryEntryId: entry.id, kind: 'prompt', toolName: 'test_simple_prompt' },
    { registryEntryId: entry.id, kind: 'prompt', toolName: 'test_prompt_with_arguments', alias: 'greet' },
    { registryEntryId: entry.id, kind: 'resources', toolName: '*' },
  ]);
  withTools = gw.slug;
  const docs = await seedGateway(db.db, tenant.id);
  await seedAssignments(db.db, tenant.id, docs.id, [
    { registryEntryId: bare.id, kind: 'resources', toolName: '*' },
  ]);
  resourcesOnly = docs.slug;
  token = (await seedApiToken(db.db, tenant.id)).token;
  proxy = await h.startProxy({ MCP_LIST_PAGE_SIZE: '2' });
});

afterAll(async () => {
  await h?.close();
  await fixture?.close();
});

const url = (gateway: string) => `${proxy.url}/mcp/${tenantSlug}/${gateway}`;

describe('prompts, resources and completions through the gateway', () => {
  it('names prompts like tools and routes gets back to the upstream name', async () => {
    const { client } = await connectClient(url(withTools), token);
    try {
      expect(client.getServerCapabilities()).toMatchObject({ prompts: {}, resources: {}, completions: {} });
      // Relayed live from the upstreams while a client listens (live-notifications.int.test.ts).
      expect(client.getServerCapabilities()?.resources).toEqual({ listChanged: true, subscribe: true });
      expect(client.getServerCapabilities()?.prompts).toEqual({ listChanged: true });
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name).sort()).toEqual(['greet', `${entrySlug}__test_simple_prompt`].sort());
      const simple = await client.getPrompt({ name: `${entrySlug}__test_simple_prompt` });
      expect(JSON.stringify(simple.messages)).toContain('simple prompt');
      await expect(client.getPrompt({ name: 'test_simple_prompt' })).rejects.toThrow(/Unknown prompt/);
    } finally {
      await client.close();
    }
  });

  it('lists and reads resources and templates with their URIs unchanged', async () => {
    const { client } = await connectClient(url(withTools), token);
    try {
      const { resources } = await client.listResources();
      expect(resources.map((r) => r.uri)).toContain('test://static-text');
      const text = await client.readResource({ uri: 'test://static-text' });
      expect(text.contents[0]).toMatchObject({ uri: 'test://static-text' });
      const { resourceTemplates } = await client.listResourceTemplates();
      expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('test://template/{id}/data');
      const templated = await client.readResource({ uri: 'test://template/42/data' });
      expect(JSON.stringify(templated.contents)).toContain('42');
      await expect(client.readResource({ uri: 'test://nope' })).rejects.toThrow();
    } finally {
      await client.close();
    }
  });

  it('gives a resources-only server generated list/read tools', async () => {
    const { client } = await connectClient(url(resourcesOnly), token);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual([
        `${entrySlug}-docs__list_resources`,
        `${entrySlug}-docs__read_resource`,
      ]);
      const listed = await client.callTool({ name: `${entrySlug}-docs__list_resources`, arguments: {} });
      expect(JSON.stringify(listed.structuredContent)).toContain('test://static-text');
      const read = await client.callTool({
        name: `${entrySlug}-docs__read_resource`,
        arguments: { uri: 'test://static-text' },
      });
      expect(read.content).toEqual([
        { type: 'resource', resource: expect.objectContaining({ uri: 'test://static-text' }) as unknown },
      ]);
      const missing = await client.callTool({ name: `${entrySlug}-docs__read_resource`, arguments: {} });
      expect(missing.isError).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('paginates tools/list with opaque cursors', async () => {
    const { client } = await connectClient(url(resourcesOnly), token);
    await client.close();
    const init = await rpc(
      url(withTools),
      {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'p', version: '1' } },
      },
      { authorization: `Bearer ${token}` },
    );
    const headers = {
      authorization: `Bearer ${token}`,
      'mcp-session-id': init.headers.get('mcp-session-id')!,
      'mcp-protocol-version': '2025-11-25',
    };
    const gatewayWithThree = await rpc(
      url(resourcesOnly),
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      headers,
    );
    expect(gatewayWithThree.status).toBe(404); // a session belongs to one gateway
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await rpc(
        url(withTools),
        { jsonrpc: '2.0', id: 10 + pages, method: 'tools/list', params: cursor ? { cursor } : {} },
        headers,
      );
      const result = res.json!.result as { tools: { name: string }[]; nextCursor?: string };
      expect(result.tools.length).toBeLessThanOrEqual(2);
      names.push(...result.tools.map((t) => t.name));
      cursor = result.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(2);
    expect(names.sort()).toEqual(
      ['test_audio_content', 'test_image_content', 'test_simple_text'].map((n) => `${entrySlug}__${n}`),
    );
    const bad = await rpc(
      url(withTools),
      { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { cursor: 'xyz' } },
      headers,
    );
    expect(bad.json).toMatchObject({ error: { code: -32602 } });
  });
});
