import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectClient, createHarness, type Harness, seedServerGateway } from '../testing/harness.ts';

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
  const seeded = await seedServerGateway(h, {
    server: 'clock',
    upstream: command,
    gateway: 'apps',
    tools: ['get-time', { kind: 'resources', toolName: '*' }],
  });
  token = seeded.token;
  const proxy = await h.startProxy();
  url = `${proxy.url}${seeded.path}`;
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
