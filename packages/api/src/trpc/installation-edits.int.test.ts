import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getErrorShape, type TRPCError } from '@trpc/server';
import { createBus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { createTestDatabase, seedMember, type TestDatabase } from '@toolgate/db/testing';
// The proxy package exports only its entry points; its test kit is reached by path.
import { startHeaderEchoServer } from '@toolgate/proxy/testing/header-echo-server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appRouter } from './root.ts';
import { callerAs, signUpWorkspace, testServices, trpcError } from './testing/trpc-test-env.ts';

let db: TestDatabase;
let echo: Awaited<ReturnType<typeof startHeaderEchoServer>>;
/** A port nothing listens on. */
let deadUrl: string;
const bus = createBus({});
const services = testServices({
  bus,
  secretKeys: parseKeyRing(generateKeySpec('k1')),
  allowPrivateUpstreams: true,
});

beforeAll(async () => {
  [db, echo] = await Promise.all([createTestDatabase(inject('postgresUrl')), startHeaderEchoServer()]);
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  deadUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/mcp`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
afterAll(async () => {
  await bus.close();
  await db?.destroy();
  await echo?.close();
});

const callerFor = (userId: string, tenantSlug: string) => callerAs(db.db, services, userId, tenantSlug);

const errorData = (err: TRPCError) =>
  getErrorShape({
    config: appRouter._def._config,
    error: err,
    type: 'mutation',
    path: 'test',
    input: undefined,
    ctx: undefined,
  }).data;

/** The X-Api-Key the echo server saw last. */
const lastApiKey = () => echo.requests.at(-1)?.headers['x-api-key'];

/**
 * Workspace A (owner, member) with a registry entry whose secret field goes upstream as
 * X-Api-Key, installed for the organization; workspace B with its owner.
 */
async function world() {
  const suffix = crypto.randomUUID().slice(0, 8);
  const a = await signUpWorkspace(db.db, 'A', suffix);
  const b = await signUpWorkspace(db.db, 'B', suffix);
  const memberA = await seedMember(db.db, a.tenantId, 'member');
  const owner = await callerFor(a.userId, a.tenantSlug);
  const entry = await owner.registry.create({
    slug: 'echo',
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
      { key: 'region', label: 'Region', required: false, secret: false },
    ],
  });
  const installed = await owner.installations.create({
    registryEntryId: entry.id,
    scope: 'org',
    values: { apiKey: 'first-secret', region: 'eu' },
  });
  return {
    a,
    b,
    entry,
    installation: installed.installation,
    owner,
    member: await callerFor(memberA.id, a.tenantSlug),
    ownerB: await callerFor(b.userId, b.tenantSlug),
    intruder: await callerFor(b.userId, a.tenantSlug),
  };
}

describe('installations.update', () => {
  it('renames and rotates a credential: the next check sends the new one, and no secret comes back', async () => {
    const w = await world();
    expect(w.installation.status).toBe('ready');
    const updated = await w.owner.installations.update({
      id: w.installation.id,
      name: 'Echo (production)',
      values: { apiKey: 'second-secret', region: 'us' },
    });
    expect(updated).toMatchObject({
      name: 'Echo (production)',
      hasCredentials: true,
      config: { region: 'us' },
    });
    expect(JSON.stringify(updated)).not.toContain('second-secret');

    const checked = await w.owner.installations.checkHealth({ id: w.installation.id });
    expect(checked).toMatchObject({ status: 'ready', lastError: null });
    expect(checked.checkedAt).not.toBeNull();
    expect(lastApiKey()).toBe('second-secret');
  });

  it('answers a second installation of the entry in the same place with a message on the name', async () => {
    const w = await world();
    const twin = await trpcError(
      w.owner.installations.create({ registryEntryId: w.entry.id, scope: 'org', values: { apiKey: 'k' } }),
    );
    expect(twin.code).toBe('CONFLICT');
    expect(errorData(twin).fields).toEqual({
      name: '"Header echo" is taken by another installation of Header echo here',
    });
    const second = await w.owner.installations.create({
      registryEntryId: w.entry.id,
      name: 'Echo (staging)',
      scope: 'org',
      values: { apiKey: 'k' },
    });
    // Renaming into a taken name is refused the same way.
    const taken = await trpcError(
      w.owner.installations.update({ id: second.installation.id, name: w.installation.name }),
    );
    expect(taken.code).toBe('CONFLICT');
    expect(errorData(taken).fields).toHaveProperty('name');
  });

  it('refuses members on shared installations, but lets them edit their own', async () => {
    const w = await world();
    for (const attempt of [
      () => w.member.installations.update({ id: w.installation.id, name: 'Mine' }),
      () => w.member.installations.update({ id: w.installation.id, values: { apiKey: 'stolen' } }),
      () => w.member.installations.checkHealth({ id: w.installation.id }),
    ]) {
      expect((await trpcError(attempt())).code).toBe('FORBIDDEN');
    }
    const personal = await w.member.installations.create({
      registryEntryId: w.entry.id,
      scope: 'personal',
      values: { apiKey: 'mine' },
    });
    await expect(
      w.member.installations.update({ id: personal.installation.id, name: 'My echo' }),
    ).resolves.toMatchObject({ name: 'My echo' });
    await expect(w.member.installations.checkHealth({ id: personal.installation.id })).resolves.toMatchObject(
      {
        status: 'ready',
      },
    );
    expect((await w.owner.installations.get({ id: w.installation.id })).installation.name).toBe(
      'Header echo',
    );
  });

  it("does not let another workspace's owner rename, rotate or check an installation", async () => {
    const w = await world();
    for (const attempt of [
      () => w.ownerB.installations.update({ id: w.installation.id, name: 'Taken' }),
      () => w.ownerB.installations.checkHealth({ id: w.installation.id }),
      () => w.intruder.installations.update({ id: w.installation.id, values: { apiKey: 'x' } }),
      () => w.intruder.installations.checkHealth({ id: w.installation.id }),
    ]) {
      expect((await trpcError(attempt())).code).toBe('NOT_FOUND');
    }
    expect((await w.owner.installations.get({ id: w.installation.id })).installation.name).toBe(
      'Header echo',
    );
  });

  it('refuses an empty update and over-long names with sentences on the field', async () => {
    const w = await world();
    expect((await trpcError(w.owner.installations.update({ id: w.installation.id }))).code).toBe(
      'BAD_REQUEST',
    );
    const long = await trpcError(
      w.owner.installations.update({ id: w.installation.id, name: 'x'.repeat(101) }),
    );
    expect(long.code).toBe('BAD_REQUEST');
    expect(errorData(long).fields).toHaveProperty('name');
  });
});

describe('installations.checkHealth', () => {
  it('records a server that stopped answering as unreachable, with the reason and the time', async () => {
    const w = await world();
    const entry = await w.owner.registry.create({
      slug: 'gone',
      name: 'Gone',
      transport: 'streamable_http',
      url: deadUrl,
    });
    const installed = await w.owner.installations.create({ registryEntryId: entry.id, scope: 'org' });
    const checked = await w.owner.installations.checkHealth({ id: installed.installation.id });
    expect(checked.status).toBe('unreachable');
    expect(checked.lastError).toEqual(expect.any(String));
    expect(Date.parse(checked.checkedAt!)).toBeGreaterThan(Date.now() - 60_000);
    const listed = (await w.owner.installations.list()).find(
      (i) => i.installation.id === installed.installation.id,
    );
    expect(listed?.installation.status).toBe('unreachable');
  });
});

describe('tokens.create with gatewayIds', () => {
  it('restricts a token to chosen gateways of the workspace, never another workspace’s', async () => {
    const w = await world();
    const gateway = await w.owner.gateways.create({ slug: 'only-here', name: 'Only here' });
    const gatewayB = await w.ownerB.gateways.create({ slug: 'elsewhere', name: 'Elsewhere' });

    const restricted = await w.member.tokens.create({ name: 'laptop', gatewayIds: [gateway.id] });
    expect(restricted.gatewayIds).toEqual([gateway.id]);
    expect((await w.member.tokens.list()).find((t) => t.id === restricted.id)?.gatewayIds).toEqual([
      gateway.id,
    ]);
    const open = await w.member.tokens.create({ name: 'all gateways' });
    expect(open.gatewayIds).toBeNull();

    const foreign = await trpcError(w.owner.tokens.create({ name: 'x', gatewayIds: [gatewayB.id] }));
    expect(foreign.code).toBe('NOT_FOUND');
    expect(errorData(foreign).fields).toHaveProperty('gatewayIds');
    expect(
      (await trpcError(w.member.tokens.create({ name: 'x', scope: 'org', gatewayIds: [gateway.id] }))).code,
    ).toBe('FORBIDDEN');
    expect((await trpcError(w.intruder.tokens.create({ name: 'x', gatewayIds: [gateway.id] }))).code).toBe(
      'NOT_FOUND',
    );
  });
});
