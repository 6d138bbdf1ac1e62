import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Bus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing, type KeyRing } from '@toolgate/core/crypto';
import { installations } from '@toolgate/db/schema';
import { seedApiToken } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
// The proxy package exports only its entry points; its test kit is reached by path.
import { connectClient, createHarness, type RunningProxy } from '@toolgate/proxy/testing/harness';
import { startHeaderEchoServer } from '@toolgate/proxy/testing/header-echo-server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { failureOf, seedOrg, type SeededOrg } from '../testing/api-test-env.ts';
import { createGateway } from './create-gateway.ts';
import { createInstallation } from './create-installation.ts';
import { createRegistryEntry } from './create-registry-entry.ts';
import { setGatewayAssignments } from './set-gateway-assignments.ts';
import { updateInstallation } from './update-installation.ts';

type Harness = Awaited<ReturnType<typeof createHarness>>;

let h: Harness;
let echo: Awaited<ReturnType<typeof startHeaderEchoServer>>;
let proxy: RunningProxy;
let bus: Bus;
let secretKeys: KeyRing;
let a: SeededOrg;
let b: SeededOrg;
const clients: Client[] = [];

beforeAll(async () => {
  [h, echo] = await Promise.all([
    createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') }),
    startHeaderEchoServer(),
  ]);
  const secretSpec = generateKeySpec('k1');
  secretKeys = parseKeyRing(secretSpec);
  proxy = await h.startProxy({ TOOLGATE_SECRET_KEYS: secretSpec });
  bus = h.newBus();
  [a, b] = await Promise.all([seedOrg(h.db), seedOrg(h.db)]);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await bus?.close();
  await h?.close();
  await echo?.close();
});

const base = (org: SeededOrg, who: keyof SeededOrg['actors'] = 'admin') => ({
  db: h.db.db,
  bus,
  tenantId: org.tenant.id,
  actor: org.actors[who],
  secretKeys,
});

/** An entry whose secret field goes upstream as X-Api-Key, installed for the org and exposed. */
async function installedEcho(org: SeededOrg) {
  const slug = `echo-${crypto.randomUUID().slice(0, 8)}`;
  const entry = await createRegistryEntry({
    ...base(org),
    input: {
      slug,
      name: 'Header echo',
      transport: 'streamable_http',
      url: echo.url,
      authKind: 'header',
      installFields: [
        {
          key: 'apiKey',
          label: 'API key',
          required: true,
          secret: true,
          target: { kind: 'header', name: 'X-Api-Key' },
        },
      ],
    },
  });
  const installed = await createInstallation({
    ...base(org),
    allowPrivate: true,
    input: { registryEntryId: entry.id, scope: 'org', values: { apiKey: 'first-secret' } },
  });
  const gateway = await createGateway({
    ...base(org),
    input: { slug: `gw-${slug}`, name: 'Gateway', clientAuthMethods: ['api_token'] },
  });
  await setGatewayAssignments({
    ...base(org),
    gatewayId: gateway.id,
    input: { assignments: [{ registryEntryId: entry.id, toolName: 'whoami' }] },
  });
  const token = await seedApiToken(h.db.db, org.tenant.id);
  const { client } = await connectClient(`${proxy.url}/mcp/${org.tenant.slug}/${gateway.slug}`, token.token);
  clients.push(client);
  const apiKeySeen = async () => {
    const result = await client.callTool({ name: `${slug}__whoami`, arguments: {} });
    const headers = JSON.parse((result.content as { text: string }[])[0]!.text) as Record<string, string>;
    return headers['x-api-key'];
  };
  return { entry, installation: installed.installation, apiKeySeen };
}

describe('updating an installation', () => {
  it('rotates a credential: sealed anew, and every call uses the new one within a second', async () => {
    const s = await installedEcho(a);
    expect(await s.apiKeySeen()).toBe('first-secret');
    const [before] = await h.db.db
      .select()
      .from(installations)
      .where(eq(installations.id, s.installation.id));

    const updated = await updateInstallation({
      ...base(a),
      installationId: s.installation.id,
      input: { values: { apiKey: 'second-secret' } },
    });
    expect(updated.hasCredentials).toBe(true);
    const rotatedAt = Date.now();
    await eventually(async () => expect(await s.apiKeySeen()).toBe('second-secret'), 1_000);
    expect(Date.now() - rotatedAt).toBeLessThan(1_000);

    const [after] = await h.db.db.select().from(installations).where(eq(installations.id, s.installation.id));
    expect(after!.credentialsSealed).not.toBe(before!.credentialsSealed);
    expect(after!.credentialsSealed).not.toContain('secret');
  });

  it('renames, and refuses a name another installation of the entry uses at the same scope', async () => {
    const s = await installedEcho(a);
    const renamed = await updateInstallation({
      ...base(a),
      installationId: s.installation.id,
      input: { name: 'Production' },
    });
    expect(renamed.name).toBe('Production');
    const twin = await failureOf(() =>
      createInstallation({
        ...base(a),
        allowPrivate: true,
        input: {
          registryEntryId: s.entry.id,
          scope: 'org',
          name: 'production',
          values: { apiKey: 'x' },
        },
      }),
    );
    expect(twin).toMatchObject({ code: 'CONFLICT', details: { fields: [{ path: 'name' }] } });
  });

  it('checks fields, roles and tenants', async () => {
    const s = await installedEcho(a);
    const unknown = await failureOf(() =>
      updateInstallation({ ...base(a), installationId: s.installation.id, input: { values: { nope: '1' } } }),
    );
    expect(unknown).toMatchObject({ code: 'INVALID', details: { fields: [{ path: 'values.nope' }] } });
    const cleared = await failureOf(() =>
      updateInstallation({
        ...base(a),
        installationId: s.installation.id,
        input: { values: { apiKey: '' } },
      }),
    );
    expect(cleared).toMatchObject({ code: 'INVALID' });
    const empty = await failureOf(() =>
      updateInstallation({ ...base(a), installationId: s.installation.id, input: {} }),
    );
    expect(empty).toMatchObject({ code: 'INVALID' });
    const member = await failureOf(() =>
      updateInstallation({
        ...base(a, 'member'),
        installationId: s.installation.id,
        input: { name: 'mine' },
      }),
    );
    expect(member).toMatchObject({ code: 'FORBIDDEN' });
    const foreign = await failureOf(() =>
      updateInstallation({ ...base(b), installationId: s.installation.id, input: { name: 'theirs' } }),
    );
    expect(foreign).toMatchObject({ code: 'NOT_FOUND' });
    expect(await s.apiKeySeen()).toBe('first-secret');
  });
});
