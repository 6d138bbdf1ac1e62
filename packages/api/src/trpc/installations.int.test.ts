import { createBus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { createTestDatabase, seedMember, seedTeam, type TestDatabase } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPagedToolsServer } from '../testing/paged-tools-server.ts';
import {
  callerAs,
  signUpWorkspace,
  testServices,
  trpcError,
  type TestServices,
} from './testing/trpc-test-env.ts';

let db: TestDatabase;
let upstream: Awaited<ReturnType<typeof startPagedToolsServer>>;
const bus = createBus({});
const services = testServices({
  bus,
  secretKeys: parseKeyRing(generateKeySpec('k1')),
  allowPrivateUpstreams: true,
  allowStdio: false,
});

beforeAll(async () => {
  [db, upstream] = await Promise.all([
    createTestDatabase(inject('postgresUrl')),
    // A real MCP server over Streamable HTTP, in process.
    startPagedToolsServer(['echo', 'get-sum'], 10),
  ]);
});
afterAll(async () => {
  await bus.close();
  await db?.destroy();
  await upstream?.close();
});

const callerFor = (userId: string, tenantSlug: string, overrides: Partial<TestServices> = {}) =>
  callerAs(db.db, { ...services, ...overrides }, userId, tenantSlug);

/** Two workspaces, A with an owner and a member, B with an owner, and a server in A's registry. */
async function world() {
  const suffix = crypto.randomUUID().slice(0, 8);
  const a = await signUpWorkspace(db.db, 'A', suffix);
  const b = await signUpWorkspace(db.db, 'B', suffix);
  const memberA = await seedMember(db.db, a.tenantId, 'member');
  const ownerA = await callerFor(a.userId, a.tenantSlug);
  const entry = await ownerA.registry.create({
    slug: 'everything',
    name: 'Everything',
    transport: 'streamable_http',
    url: upstream.url,
  });
  return { a, b, memberA, ownerA, entry };
}

describe('installation requests through tRPC', () => {
  it('a member asks for a team installation, the owner approves it, the member sees it approved', async () => {
    const { a, memberA, ownerA, entry } = await world();
    const team = await seedTeam(db.db, a.tenantId, [memberA.id]);
    const member = await callerFor(memberA.id, a.tenantSlug);

    expect(
      (await trpcError(member.installations.create({ registryEntryId: entry.id, scope: 'org' }))).code,
    ).toBe('FORBIDDEN');
    const asked = await member.installationRequests.create({
      registryEntryId: entry.id,
      scope: 'team',
      teamId: team.id,
      reason: 'for our sprint',
    });
    expect(
      (
        await trpcError(
          member.installationRequests.create({ registryEntryId: entry.id, scope: 'team', teamId: team.id }),
        )
      ).code,
    ).toBe('CONFLICT');
    expect((await trpcError(member.installationRequests.approve({ id: asked.id, values: {} }))).code).toBe(
      'FORBIDDEN',
    );
    expect((await ownerA.installationRequests.list({ status: 'pending' })).map((r) => r.id)).toEqual([
      asked.id,
    ]);

    const approved = await ownerA.installationRequests.approve({ id: asked.id, values: {} });
    expect(approved.installation.installation).toMatchObject({
      scope: 'team',
      teamId: team.id,
      status: 'ready',
    });
    const [mine] = await member.installationRequests.list();
    expect(mine).toMatchObject({ id: asked.id, status: 'approved', decidedBy: { id: a.userId } });

    // The installation it created: readable by the member, switchable by the owner only.
    const id = approved.installation.installation.id;
    const detail = await member.installations.get({ id });
    expect(detail.tools.map((t) => t.name)).toContain('echo');
    const echo = detail.tools.find((t) => t.name === 'echo')!;
    expect(
      (await trpcError(member.installations.setToolEnabled({ id, toolId: echo.id, enabled: false }))).code,
    ).toBe('FORBIDDEN');
    await expect(
      ownerA.installations.setToolEnabled({ id, toolId: echo.id, enabled: false }),
    ).resolves.toMatchObject({
      enabled: false,
    });
    await expect(ownerA.installations.setEnabled({ id, enabled: false })).resolves.toMatchObject({
      enabled: false,
    });
    await ownerA.installations.delete({ id });
    expect((await trpcError(ownerA.installations.get({ id }))).code).toBe('NOT_FOUND');
  });

  it('rejects with a note, and lets the requester cancel', async () => {
    const { a, memberA, ownerA, entry } = await world();
    const member = await callerFor(memberA.id, a.tenantSlug);
    const first = await member.installationRequests.create({ registryEntryId: entry.id, scope: 'org' });
    await expect(
      ownerA.installationRequests.reject({ id: first.id, note: 'not now' }),
    ).resolves.toMatchObject({
      status: 'rejected',
      decisionNote: 'not now',
    });
    const second = await member.installationRequests.create({ registryEntryId: entry.id, scope: 'org' });
    expect((await trpcError(ownerA.installationRequests.cancel({ id: second.id }))).code).toBe('FORBIDDEN');
    await expect(member.installationRequests.cancel({ id: second.id })).resolves.toMatchObject({
      status: 'cancelled',
    });
  });
});

describe('across workspaces', () => {
  it("B's owner reaches none of A's requests, installations or tools, in either workspace's name", async () => {
    const { a, b, memberA, ownerA, entry } = await world();
    const member = await callerFor(memberA.id, a.tenantSlug);
    const asked = await member.installationRequests.create({ registryEntryId: entry.id, scope: 'org' });
    const installed = await ownerA.installations.create({ registryEntryId: entry.id, scope: 'org' });
    const id = installed.installation.id;
    const toolId = installed.tools[0]!.id;

    // In B's workspace, A's ids do not exist.
    const ownerB = await callerFor(b.userId, b.tenantSlug);
    expect(await ownerB.installationRequests.list()).toEqual([]);
    for (const attempt of [
      () => ownerB.installationRequests.approve({ id: asked.id, values: {} }),
      () => ownerB.installationRequests.reject({ id: asked.id, note: '' }),
      () => ownerB.installationRequests.cancel({ id: asked.id }),
      () => ownerB.installationRequests.create({ registryEntryId: entry.id, scope: 'org' }),
      () => ownerB.installations.get({ id }),
      () => ownerB.installations.setEnabled({ id, enabled: false }),
      () => ownerB.installations.setToolEnabled({ id, toolId, enabled: false }),
      () => ownerB.installations.delete({ id }),
    ]) {
      expect((await trpcError(attempt())).code).toBe('NOT_FOUND');
    }
    // And B's owner cannot act in A's workspace at all.
    const intruder = await callerFor(b.userId, a.tenantSlug);
    for (const attempt of [
      () => intruder.installationRequests.list(),
      () => intruder.installationRequests.approve({ id: asked.id, values: {} }),
      () => intruder.installations.delete({ id }),
    ]) {
      expect((await trpcError(attempt())).code).toBe('NOT_FOUND');
    }
    expect((await ownerA.installationRequests.list()).find((r) => r.id === asked.id)?.status).toBe('pending');
    expect((await ownerA.installations.get({ id })).installation.enabled).toBe(true);
  });
});

describe('the stdio switch', () => {
  it('refuses local servers unless the deployment allows them', async () => {
    const { a } = await world();
    const entry = { slug: 'local', name: 'Local', transport: 'stdio' as const, command: 'npx' };
    const refused = await trpcError((await callerFor(a.userId, a.tenantSlug)).registry.create(entry));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toBe('local (stdio) servers are disabled on this deployment');
    await expect(
      (await callerFor(a.userId, a.tenantSlug, { allowStdio: true })).registry.create(entry),
    ).resolves.toMatchObject({ transport: 'stdio' });
  });
});
