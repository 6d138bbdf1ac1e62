import { everythingStdioCommand } from '@toolgate/fixtures/everything';
import { tools } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
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

let env: ApiTestEnv;
let a: SeededOrg;

beforeAll(async () => {
  env = await createApiTestEnv();
  a = await seedOrg(env.db);
});
afterAll(async () => {
  await env?.close();
});

describe('discovery keeps a tool’s execution', () => {
  it('stores taskSupport as the upstream lists it (server-everything’s task tool), for tools/list', async () => {
    const base = { ...actingAs(env, a, 'admin'), allowPrivate: true, allowStdio: true };
    const { command, args } = everythingStdioCommand();
    const entry = await createRegistryEntry({
      ...base,
      input: { slug: 'everything-tasks', name: 'Everything', transport: 'stdio', command, args },
    });
    const installed = await createInstallation({
      ...base,
      input: { registryEntryId: entry.id, scope: 'org' },
    });
    expect(installed.installation.status).toBe('ready');
    const rows = await env.db.db
      .select()
      .from(tools)
      .where(eq(tools.installationId, installed.installation.id));
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName['simulate-research-query']?.execution).toEqual({ taskSupport: 'required' });
  });
});
