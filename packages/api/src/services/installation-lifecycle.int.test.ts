import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Bus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing, type KeyRing } from '@toolgate/core/crypto';
import { installations, tools } from '@toolgate/db/schema';
import { seedApiToken } from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
// The proxy package exports only its entry points; its test harness is reached by path.
import { connectClient, createHarness, type RunningProxy } from '@toolgate/proxy/testing/harness';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Actor } from '../actor.ts';
import { failureOf, recordInvalidations, seedOrg, type SeededOrg } from '../testing/api-test-env.ts';
import { createGateway } from './create-gateway.ts';
import { createInstallation } from './create-installation.ts';
import { createRegistryEntry } from './create-registry-entry.ts';
import { deleteInstallation } from './delete-installation.ts';
import { discoverInstallation } from './discover-installation.ts';
import { getInstallation } from './get-installation.ts';
import { listInstallationTools } from './list-installation-tools.ts';
import { setGatewayAssignments } from './set-gateway-assignments.ts';
import { setInstallationEnabled } from './set-installation-enabled.ts';
import { setToolEnabled } from './set-tool-enabled.ts';

type Harness = Awaited<ReturnType<typeof createHarness>>;

let h: Harness;
let everything: RunningEverythingServer;
let proxy: RunningProxy;
let bus: Bus;
let secretKeys: KeyRing;
let a: SeededOrg;
let b: SeededOrg;
const clients: Client[] = [];

beforeAll(async () => {
  [h, everything] = await Promise.all([
    createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') }),
    startEverythingServer('streamableHttp'),
  ]);
  // The control plane and the proxy share database, bus and secret keys, as in production.
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
  await everything?.close();
});

type Who = keyof SeededOrg['actors'];
const base = (org: SeededOrg, who: Who = 'admin') => ({
  db: h.db.db,
  bus,
  tenantId: org.tenant.id,
  actor: org.actors[who] as Actor,
});
const upstream = (org: SeededOrg, who: Who = 'admin') => ({
  ...base(org, who),
  secretKeys,
  allowPrivate: true,
});

/** A server-everything entry, an org installation of it, and a gateway exposing echo and get-sum. */
async function exposedServer(org: SeededOrg, options: { pin?: boolean } = {}) {
  const slug = `ev-${crypto.randomUUID().slice(0, 8)}`;
  const entry = await createRegistryEntry({
    ...base(org),
    input: { slug, name: 'Everything', transport: 'streamable_http', url: everything.url },
  });
  const installed = await createInstallation({
    ...upstream(org),
    input: { registryEntryId: entry.id, scope: 'org' },
  });
  expect(installed.installation.status).toBe('ready');
  const gateway = await createGateway({
    ...base(org),
    input: { slug: `gw-${slug}`, name: 'Gateway', clientAuthMethods: ['api_token'] },
  });
  const pinned = options.pin ? installed.installation.id : null;
  await setGatewayAssignments({
    ...base(org),
    gatewayId: gateway.id,
    input: {
      assignments: [
        { registryEntryId: entry.id, toolName: 'echo', installationId: pinned },
        { registryEntryId: entry.id, toolName: 'get-sum', installationId: pinned },
      ],
    },
  });
  const token = await seedApiToken(h.db.db, org.tenant.id, { capabilities: ['mcp'] });
  const { client } = await connectClient(`${proxy.url}/mcp/${org.tenant.slug}/${gateway.slug}`, token.token);
  clients.push(client);
  const toolId = (name: string) => installed.tools.find((t) => t.name === name)!.id;
  const listed = async () => (await client.listTools()).tools.map((t) => t.name);
  return { slug, entry, installation: installed.installation, gateway, client, toolId, listed };
}

describe('turning tools and installations off, through a real proxy', () => {
  it('a disabled tool leaves tools/list and cannot be called; re-discovery keeps the choice', async () => {
    const s = await exposedServer(a);
    expect(await s.listed()).toEqual([`${s.slug}__echo`, `${s.slug}__get-sum`]);

    const replica = await recordInvalidations(h.newBus());
    try {
      const off = await setToolEnabled({
        ...base(a),
        installationId: s.installation.id,
        toolId: s.toolId('echo'),
        input: { enabled: false },
      });
      expect(off).toMatchObject({ name: 'echo', enabled: false });
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'gateway',
          tenantId: a.tenant.id,
          gatewayId: s.gateway.id,
          reason: 'tool disabled',
        }),
      );
      await eventually(async () => expect(await s.listed()).toEqual([`${s.slug}__get-sum`]));
      await expect(
        s.client.callTool({ name: `${s.slug}__echo`, arguments: { message: 'hi' } }),
      ).rejects.toThrow(/Unknown tool/);

      const rediscovered = await discoverInstallation({ ...upstream(a), installationId: s.installation.id });
      expect(rediscovered.tools.find((t) => t.name === 'echo')).toMatchObject({ enabled: false });
      expect(await s.listed()).toEqual([`${s.slug}__get-sum`]);

      await setToolEnabled({
        ...base(a),
        installationId: s.installation.id,
        toolId: s.toolId('echo'),
        input: { enabled: true },
      });
      await eventually(async () =>
        expect(await s.listed()).toEqual([`${s.slug}__echo`, `${s.slug}__get-sum`]),
      );
      const echoed = await s.client.callTool({ name: `${s.slug}__echo`, arguments: { message: 'back' } });
      expect(echoed.content).toEqual([{ type: 'text', text: 'Echo: back' }]);
    } finally {
      await replica.stop();
    }
  });

  it('a disabled installation serves nothing until it is enabled again', async () => {
    const s = await exposedServer(a);
    const replica = await recordInvalidations(h.newBus());
    try {
      const off = await setInstallationEnabled({
        ...base(a),
        installationId: s.installation.id,
        input: { enabled: false },
      });
      expect(off).toMatchObject({ id: s.installation.id, enabled: false });
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'gateway',
          tenantId: a.tenant.id,
          gatewayId: s.gateway.id,
          reason: 'installation disabled',
        }),
      );
      await eventually(async () => expect(await s.listed()).toEqual([]));
      await setInstallationEnabled({
        ...base(a),
        installationId: s.installation.id,
        input: { enabled: true },
      });
      await eventually(async () =>
        expect(await s.listed()).toEqual([`${s.slug}__echo`, `${s.slug}__get-sum`]),
      );
    } finally {
      await replica.stop();
    }
  });

  it('a tool turned off on the org installation stays off for callers it serves, though a personal one still serves its owner', async () => {
    const s = await exposedServer(a);
    const personal = await createInstallation({
      ...upstream(a, 'member'),
      input: { registryEntryId: s.entry.id, scope: 'personal' },
    });
    await setToolEnabled({
      ...base(a),
      installationId: s.installation.id,
      toolId: s.toolId('echo'),
      input: { enabled: false },
    });
    // The member's own connection still has echo on: it stays listed, and works for them.
    const memberToken = await seedApiToken(h.db.db, a.tenant.id, {
      scope: 'user',
      userId: a.member.id,
      capabilities: ['mcp'],
    });
    const { client: memberClient } = await connectClient(
      `${proxy.url}/mcp/${a.tenant.slug}/${s.gateway.slug}`,
      memberToken.token,
    );
    clients.push(memberClient);
    await eventually(async () => {
      const result = await memberClient.callTool({ name: `${s.slug}__echo`, arguments: { message: 'mine' } });
      expect(result.content).toEqual([{ type: 'text', text: 'Echo: mine' }]);
    });
    // The org token resolves to the org installation, where echo is off.
    await eventually(async () => {
      const refused = await s.client.callTool({ name: `${s.slug}__echo`, arguments: { message: 'org' } });
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.content)).toContain('turned off');
    });
    expect(personal.installation.scope).toBe('personal');
  });
});

describe('who may switch', () => {
  it('owners and admins switch shared installations; a member only their own personal one', async () => {
    const s = await exposedServer(a);
    for (const attempt of [
      () =>
        setInstallationEnabled({
          ...base(a, 'member'),
          installationId: s.installation.id,
          input: { enabled: false },
        }),
      () =>
        setToolEnabled({
          ...base(a, 'member'),
          installationId: s.installation.id,
          toolId: s.toolId('echo'),
          input: { enabled: false },
        }),
      () => deleteInstallation({ ...base(a, 'member'), installationId: s.installation.id }),
    ]) {
      expect((await failureOf(attempt)).code).toBe('FORBIDDEN');
    }
    const [row] = await h.db.db.select().from(installations).where(eq(installations.id, s.installation.id));
    expect(row!.enabled).toBe(true);

    const personal = await createInstallation({
      ...upstream(a, 'member'),
      input: { registryEntryId: s.entry.id, scope: 'personal' },
    });
    const id = personal.installation.id;
    const echo = personal.tools.find((t) => t.name === 'echo')!;
    await expect(
      setToolEnabled({
        ...base(a, 'member'),
        installationId: id,
        toolId: echo.id,
        input: { enabled: false },
      }),
    ).resolves.toMatchObject({ enabled: false });
    await expect(
      setInstallationEnabled({ ...base(a, 'member'), installationId: id, input: { enabled: false } }),
    ).resolves.toMatchObject({ enabled: false });
    await expect(
      setInstallationEnabled({ ...base(a, 'admin'), installationId: id, input: { enabled: true } }),
    ).resolves.toMatchObject({ enabled: true });
    // To another member, someone's personal installation does not exist.
    expect(
      (
        await failureOf(() =>
          setInstallationEnabled({
            ...base(a, 'otherMember'),
            installationId: id,
            input: { enabled: false },
          }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect(
      (await failureOf(() => deleteInstallation({ ...base(a, 'otherMember'), installationId: id }))).code,
    ).toBe('NOT_FOUND');
    await deleteInstallation({ ...base(a, 'member'), installationId: id });
    expect(await h.db.db.select().from(installations).where(eq(installations.id, id))).toEqual([]);
  });
});

describe('deleting an installation', () => {
  it('is refused while a gateway pins it, naming the gateway; once unpinned it goes with its tools', async () => {
    const s = await exposedServer(a, { pin: true });
    expect(await s.listed()).toEqual([`${s.slug}__echo`, `${s.slug}__get-sum`]);

    const refused = await failureOf(() =>
      deleteInstallation({ ...base(a), installationId: s.installation.id }),
    );
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toBe(
      `${s.installation.name} is pinned by gateway "${s.gateway.slug}"; change those assignments first`,
    );
    expect(refused.details).toEqual({
      gateways: [{ id: s.gateway.id, slug: s.gateway.slug, name: s.gateway.name }],
    });
    const detail = await getInstallation({ ...base(a, 'member'), installationId: s.installation.id });
    expect(detail.pinnedBy).toEqual([{ id: s.gateway.id, slug: s.gateway.slug, name: s.gateway.name }]);
    expect(detail.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum']));

    await setGatewayAssignments({
      ...base(a),
      gatewayId: s.gateway.id,
      input: { assignments: [{ registryEntryId: s.entry.id, toolName: 'echo' }] },
    });
    await eventually(async () => expect(await s.listed()).toEqual([`${s.slug}__echo`]));

    const replica = await recordInvalidations(h.newBus());
    try {
      await deleteInstallation({ ...base(a), installationId: s.installation.id });
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'gateway',
          tenantId: a.tenant.id,
          gatewayId: s.gateway.id,
          reason: 'installation deleted',
        }),
      );
    } finally {
      await replica.stop();
    }
    expect(await h.db.db.select().from(installations).where(eq(installations.id, s.installation.id))).toEqual(
      [],
    );
    expect(await h.db.db.select().from(tools).where(eq(tools.installationId, s.installation.id))).toEqual([]);
    // No installation of the server is left: the gateway lists nothing of it.
    await eventually(async () => expect(await s.listed()).toEqual([]));
    expect(
      (await failureOf(() => getInstallation({ ...base(a), installationId: s.installation.id }))).code,
    ).toBe('NOT_FOUND');
  });
});

describe('across tenants', () => {
  it("tenant B can neither read nor change A's installations and tools", async () => {
    const s = await exposedServer(a);
    const theirs = await exposedServer(b);
    const echoA = s.toolId('echo');
    for (const attempt of [
      () => getInstallation({ ...base(b), installationId: s.installation.id }),
      () => listInstallationTools({ ...base(b), installationId: s.installation.id }),
      () =>
        setInstallationEnabled({ ...base(b), installationId: s.installation.id, input: { enabled: false } }),
      () =>
        setToolEnabled({
          ...base(b),
          installationId: s.installation.id,
          toolId: echoA,
          input: { enabled: false },
        }),
      // Their own installation with A's tool id: still not found.
      () =>
        setToolEnabled({
          ...base(b),
          installationId: theirs.installation.id,
          toolId: echoA,
          input: { enabled: false },
        }),
      () => deleteInstallation({ ...base(b), installationId: s.installation.id }),
      () => discoverInstallation({ ...upstream(b), installationId: s.installation.id }),
    ]) {
      expect((await failureOf(attempt)).code).toBe('NOT_FOUND');
    }
    const [row] = await h.db.db.select().from(installations).where(eq(installations.id, s.installation.id));
    expect(row!.enabled).toBe(true);
    const [tool] = await h.db.db.select().from(tools).where(eq(tools.id, echoA));
    expect(tool!.enabled).toBe(true);
    expect(await s.listed()).toEqual([`${s.slug}__echo`, `${s.slug}__get-sum`]);
  });
});
