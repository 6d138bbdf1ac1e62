import { getErrorShape, type TRPCError } from '@trpc/server';
import { createBus } from '@toolgate/bus';
import { installations } from '@toolgate/db/schema';
import {
  createTestDatabase,
  seedInstallation,
  seedMember,
  seedRegistryEntry,
  type TestDatabase,
} from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appRouter } from './root.ts';
import { callerAs, signUpWorkspace, testServices, trpcError } from './testing/trpc-test-env.ts';

let db: TestDatabase;
const bus = createBus({});
const services = testServices({ bus });

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await bus.close();
  await db?.destroy();
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

/** Workspace A (admin, member) with a custom remote server; workspace B with one of its own. */
async function world() {
  const suffix = crypto.randomUUID().slice(0, 8);
  const a = await signUpWorkspace(db.db, 'A', suffix);
  const b = await signUpWorkspace(db.db, 'B', suffix);
  const [adminA, memberA] = await Promise.all([
    seedMember(db.db, a.tenantId, 'admin'),
    seedMember(db.db, a.tenantId, 'member'),
  ]);
  const admin = await callerFor(adminA.id, a.tenantSlug);
  const ownerB = await callerFor(b.userId, b.tenantSlug);
  const entry = await admin.registry.create({
    slug: 'weather',
    name: 'Weather',
    description: 'Forecasts',
    transport: 'streamable_http',
    url: 'https://mcp.example.test/weather',
  });
  const theirs = await ownerB.registry.create({
    slug: 'theirs',
    name: 'Theirs',
    transport: 'streamable_http',
    url: 'https://mcp.example.test/theirs',
  });
  return {
    a,
    memberId: memberA.id,
    entry,
    theirs,
    admin,
    member: await callerFor(memberA.id, a.tenantSlug),
    ownerB,
  };
}

describe('registry.update', () => {
  it('lets an admin change name, description, slug and URL, keeping what the patch leaves out', async () => {
    const w = await world();
    const updated = await w.admin.registry.update({
      entryId: w.entry.id,
      input: { name: 'Weather (EU)', description: 'European forecasts', slug: 'weather-eu' },
    });
    expect(updated).toMatchObject({
      id: w.entry.id,
      name: 'Weather (EU)',
      description: 'European forecasts',
      slug: 'weather-eu',
      url: 'https://mcp.example.test/weather',
      builtIn: false,
    });
    const moved = await w.admin.registry.update({
      entryId: w.entry.id,
      input: { url: 'https://mcp.example.test/weather/v2', docsUrl: 'https://docs.example.test/weather' },
    });
    expect(moved).toMatchObject({ slug: 'weather-eu', url: 'https://mcp.example.test/weather/v2' });
    const listed = (await w.member.registry.list()).find((e) => e.id === w.entry.id);
    expect(listed).toMatchObject({ name: 'Weather (EU)', docsUrl: 'https://docs.example.test/weather' });
  });

  it('answers a taken slug and a bad URL with a sentence on the field', async () => {
    const w = await world();
    await w.admin.registry.create({
      slug: 'taken',
      name: 'Taken',
      transport: 'streamable_http',
      url: 'https://mcp.example.test/taken',
    });
    const taken = await trpcError(w.admin.registry.update({ entryId: w.entry.id, input: { slug: 'taken' } }));
    expect(taken.code).toBe('CONFLICT');
    expect(errorData(taken).fields).toEqual({ slug: '"taken" is taken' });
    const badUrl = await trpcError(
      w.admin.registry.update({ entryId: w.entry.id, input: { url: 'ftp://x' } }),
    );
    expect(badUrl.code).toBe('UNPROCESSABLE_CONTENT');
    expect(errorData(badUrl).fields).toHaveProperty('url');
    expect(errorData(badUrl).fields?.url).toMatch(/^[A-Z]/);
    const empty = await trpcError(w.admin.registry.update({ entryId: w.entry.id, input: {} }));
    expect(empty.code).toBe('BAD_REQUEST');
  });

  it('refuses members', async () => {
    const w = await world();
    const refused = await trpcError(
      w.member.registry.update({ entryId: w.entry.id, input: { name: 'Mine' } }),
    );
    expect(refused.code).toBe('FORBIDDEN');
    expect((await w.admin.registry.list()).find((e) => e.id === w.entry.id)?.name).toBe('Weather');
  });

  it("leaves built-in catalog entries and another workspace's entries alone", async () => {
    const w = await world();
    const catalog = await seedRegistryEntry(db.db, null, { name: 'Catalog server' });
    for (const entryId of [catalog.id, w.theirs.id]) {
      const refused = await trpcError(w.admin.registry.update({ entryId, input: { name: 'Hijacked' } }));
      expect(refused.code).toBe('NOT_FOUND');
      expect((await trpcError(w.admin.registry.delete({ entryId }))).code).toBe('NOT_FOUND');
    }
    expect((await w.ownerB.registry.list()).find((e) => e.id === w.theirs.id)?.name).toBe('Theirs');
    const stillCatalog = (await w.admin.registry.list()).find((e) => e.id === catalog.id);
    expect(stillCatalog).toMatchObject({ name: 'Catalog server', builtIn: true });
  });
});

describe('registry.delete', () => {
  it('answers CONFLICT naming the installations that use the entry, then removes it once they are gone', async () => {
    const w = await world();
    const [production, staging] = await Promise.all([
      seedInstallation(db.db, w.a.tenantId, w.entry.id, { name: 'Weather production' }),
      seedInstallation(db.db, w.a.tenantId, w.entry.id, {
        name: 'Weather staging',
        scope: 'personal',
        userId: w.memberId,
      }),
    ]);
    const refused = await trpcError(w.admin.registry.delete({ entryId: w.entry.id }));
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toContain('"Weather production"');
    expect(refused.message).toContain('"Weather staging"');
    expect(errorData(refused).details).toEqual({
      installations: [
        { id: production.id, name: 'Weather production', scope: 'org' },
        { id: staging.id, name: 'Weather staging', scope: 'personal' },
      ],
    });
    expect((await w.admin.registry.list()).map((e) => e.id)).toContain(w.entry.id);

    await db.db.delete(installations).where(eq(installations.registryEntryId, w.entry.id));
    await expect(w.admin.registry.delete({ entryId: w.entry.id })).resolves.toEqual({ id: w.entry.id });
    expect((await w.admin.registry.list()).map((e) => e.id)).not.toContain(w.entry.id);
    expect((await trpcError(w.admin.registry.delete({ entryId: w.entry.id }))).code).toBe('NOT_FOUND');
  });

  it('refuses members', async () => {
    const w = await world();
    expect((await trpcError(w.member.registry.delete({ entryId: w.entry.id }))).code).toBe('FORBIDDEN');
    expect((await w.admin.registry.list()).map((e) => e.id)).toContain(w.entry.id);
  });
});
