import { installationRequests, installations, registryEntries } from '@toolgate/db/schema';
import { seedInstallation, seedRegistryEntry } from '@toolgate/db/testing';
import { everythingStdioCommand } from '@toolgate/fixtures/everything';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZRegistryEntry } from '../schemas/registry.ts';
import { STDIO_DISABLED_MESSAGE } from '../stdio-policy.ts';
import {
  actingAs,
  createApiTestEnv,
  failureOf,
  seedOrg,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { failed, ok, restClient } from '../testing/rest-client.ts';
import { approveInstallationRequest } from './approve-installation-request.ts';
import { createInstallation } from './create-installation.ts';
import { createRegistryEntry } from './create-registry-entry.ts';
import { discoverInstallation } from './discover-installation.ts';
import { requestInstallation } from './request-installation.ts';
import { setInstallationEnabled } from './set-installation-enabled.ts';

let env: ApiTestEnv;
let a: SeededOrg;

beforeAll(async () => {
  env = await createApiTestEnv();
  a = await seedOrg(env.db);
});
afterAll(async () => {
  await env?.close();
});

const base = (who: keyof SeededOrg['actors'] = 'admin') => ({ ...actingAs(env, a, who), allowPrivate: true });

const stdioEntry = (slug: string) => ({
  slug,
  name: 'Local everything',
  transport: 'stdio' as const,
  ...everythingStdioCommand(),
});

describe('TOOLGATE_ALLOW_STDIO off (the default)', () => {
  it('refuses to register a local server, and says why', async () => {
    for (const allowStdio of [undefined, false]) {
      const err = await failureOf(() =>
        createRegistryEntry({ ...base(), allowStdio, input: stdioEntry('refused-local') }),
      );
      expect(err.code).toBe('FORBIDDEN');
      expect(err.message).toBe(STDIO_DISABLED_MESSAGE);
    }
    expect(
      await env.db.db
        .select()
        .from(registryEntries)
        .where(and(eq(registryEntries.tenantId, a.tenant.id), eq(registryEntries.slug, 'refused-local'))),
    ).toEqual([]);
    // Remote servers are unaffected.
    await expect(
      createRegistryEntry({
        ...base(),
        input: { slug: 'remote-ok', name: 'Remote', transport: 'sse', url: 'https://example.com/sse' },
      }),
    ).resolves.toMatchObject({ transport: 'sse' });
  });

  it("refuses to install, re-discover, re-enable or approve a request for the catalog's local servers", async () => {
    const catalog = await seedRegistryEntry(env.db.db, null, {
      transport: 'stdio',
      url: null,
      ...everythingStdioCommand(),
    });
    for (const scope of ['org', 'personal'] as const) {
      const err = await failureOf(() =>
        createInstallation({
          ...base(scope === 'org' ? 'admin' : 'member'),
          input: { registryEntryId: catalog.id, scope },
        }),
      );
      expect(err.code).toBe('FORBIDDEN');
      expect(err.message).toBe(STDIO_DISABLED_MESSAGE);
    }
    expect(
      await env.db.db.select().from(installations).where(eq(installations.registryEntryId, catalog.id)),
    ).toEqual([]);

    // One installed while the switch was on: it cannot be discovered (which starts the command)
    // or turned back on, though it can be turned off.
    const earlier = await seedInstallation(env.db.db, a.tenant.id, catalog.id);
    expect(
      (await failureOf(() => discoverInstallation({ ...base(), installationId: earlier.id }))).code,
    ).toBe('FORBIDDEN');
    await expect(
      setInstallationEnabled({ ...base(), installationId: earlier.id, input: { enabled: false } }),
    ).resolves.toMatchObject({ enabled: false });
    expect(
      (
        await failureOf(() =>
          setInstallationEnabled({ ...base(), installationId: earlier.id, input: { enabled: true } }),
        )
      ).code,
    ).toBe('FORBIDDEN');

    const requested = await requestInstallation({
      ...base('member'),
      input: { registryEntryId: catalog.id, scope: 'org' },
    });
    const approve = await failureOf(() =>
      approveInstallationRequest({ ...base(), requestId: requested.id, input: {} }),
    );
    expect(approve.code).toBe('FORBIDDEN');
    const [row] = await env.db.db
      .select()
      .from(installationRequests)
      .where(eq(installationRequests.id, requested.id));
    expect(row!.status).toBe('pending');
  });

  it('answers 403 with the message over REST', async () => {
    const call = restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test' });
    const error = failed(
      await call('POST', '/registry', { token: a.adminToken, body: stdioEntry('rest-local') }),
      403,
      'FORBIDDEN',
    );
    expect(error.message).toBe(STDIO_DISABLED_MESSAGE);
    const catalog = await seedRegistryEntry(env.db.db, null, { transport: 'stdio', url: null, command: 'x' });
    failed(
      await call('POST', '/installations', {
        token: a.adminToken,
        body: { registryEntryId: catalog.id, scope: 'org' },
      }),
      403,
      'FORBIDDEN',
    );
  });
});

describe('TOOLGATE_ALLOW_STDIO on', () => {
  it('registers, installs and discovers a local server', async () => {
    const entry = await createRegistryEntry({
      ...base(),
      allowStdio: true,
      input: stdioEntry('allowed-local'),
    });
    const installed = await createInstallation({
      ...base(),
      allowStdio: true,
      input: { registryEntryId: entry.id, scope: 'org' },
    });
    expect(installed.installation.status).toBe('ready');
    expect(installed.tools.map((t) => t.name)).toContain('echo');

    const call = restClient({
      db: env.db.db,
      bus: env.bus,
      publicMcpUrl: 'https://mcp.example.test',
      allowStdio: true,
    });
    ok(
      await call('POST', '/registry', { token: a.adminToken, body: stdioEntry('rest-allowed') }),
      201,
      ZRegistryEntry,
    );
  });
});
