import path from 'node:path';
import { createRequire } from 'node:module';
import { tools } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createApiTestEnv,
  seedOrg,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { createInstallation } from './create-installation.ts';
import { createRegistryEntry } from './create-registry-entry.ts';

/** An official MCP Apps example server (ext-apps), run over stdio. */
const appServer = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/server-basic-vanillajs')),
  'index.js',
);

let env: ApiTestEnv;
let a: SeededOrg;

beforeAll(async () => {
  env = await createApiTestEnv();
  a = await seedOrg(env.db);
});
afterAll(async () => {
  await env?.close();
});

describe('discovery keeps a tool’s _meta', () => {
  it('stores what the upstream lists (MCP Apps ui.resourceUri) for the gateways to list', async () => {
    const base = { ...actingAs(env, a, 'admin'), allowPrivate: true, allowStdio: true };
    const entry = await createRegistryEntry({
      ...base,
      input: {
        slug: 'clock-app',
        name: 'Clock app',
        transport: 'stdio',
        command: process.execPath,
        args: [appServer, '--stdio'],
      },
    });
    const installed = await createInstallation({
      ...base,
      input: { registryEntryId: entry.id, scope: 'org' },
    });
    expect(installed.installation.status).toBe('ready');
    const [row] = await env.db.db
      .select()
      .from(tools)
      .where(and(eq(tools.installationId, installed.installation.id), eq(tools.name, 'get-time')));
    expect(row?.meta).toMatchObject({ ui: { resourceUri: 'ui://get-time/mcp-app.html' } });
  });
});
