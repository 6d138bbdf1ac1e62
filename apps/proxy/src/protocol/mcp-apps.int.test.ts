import { createRequire } from 'node:module';
import path from 'node:path';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
} from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectClient, createHarness, discoverAndSeedTools, type Harness } from '../testing/harness.ts';

/** MCP Apps (ext-apps): an official example server's UI resource and tool `_meta` pass through. */
// The package exports its server module; the runnable entry (index.js, `--stdio`) sits beside it.
const appServer = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/server-basic-vanillajs')),
  'index.js',
);
const command = { command: process.execPath, args: [appServer, '--stdio'] };

let h: Harness;
let url: string;
let token: string;

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  const { db } = h;
  const tenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, {
    slug: 'clock',
    transport: 'stdio',
    url: null,
    ...command,
  });
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  await discoverAndSeedTools(db, tenant.id, installation.id, command);
  const gateway = await seedGateway(db.db, tenant.id, { slug: 'apps' });
  await seedAssignments(db.db, tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'get-time' },
    { registryEntryId: entry.id, kind: 'resources', toolName: '*' },
  ]);
  token = (await seedApiToken(db.db, tenant.id)).token;
  const proxy = await h.startProxy();
  url = `${proxy.url}/mcp/${tenant.slug}/apps`;
});

afterAll(async () => {
  await h?.close();
});

describe('MCP Apps through the gateway', () => {
  it('lists the renamed tool with its ui metadata and serves the ui:// resource it names', async () => {
    const { client } = await connectClient(url, token);
    try {
      const { tools } = await client.listTools();
      const tool = tools.find((t) => t.name === 'clock__get-time');
      expect(tool?._meta).toMatchObject({ ui: { resourceUri: 'ui://get-time/mcp-app.html' } });
      const resourceUri = (tool!._meta as { ui: { resourceUri: string } }).ui.resourceUri;
      const { resources } = await client.listResources();
      expect(resources.map((r) => r.uri)).toContain(resourceUri);
      const { contents } = await client.readResource({ uri: resourceUri });
      expect(contents[0]).toMatchObject({ uri: resourceUri, mimeType: 'text/html;profile=mcp-app' });
      expect((contents[0] as { text: string }).text).toContain('<html');
      const result = await client.callTool({ name: 'clock__get-time', arguments: {} });
      expect(result.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});
