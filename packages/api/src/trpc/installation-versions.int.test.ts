import { getErrorShape, type TRPCError } from '@trpc/server';
import { createBus } from '@toolgate/bus';
import {
  createTestDatabase,
  seedInstallation,
  seedMember,
  seedRegistryEntry,
  type TestDatabase,
} from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startNpmRegistryFixture, type NpmRegistryFixture } from '../testing/npm-registry-fixture.ts';
import { appRouter } from './root.ts';
import { callerAs, signUpWorkspace, testServices, trpcError } from './testing/trpc-test-env.ts';

const PACKAGE = '@modelcontextprotocol/server-everything';
let db: TestDatabase;
let registry: NpmRegistryFixture;
const bus = createBus({});

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  registry = await startNpmRegistryFixture({ [PACKAGE]: { versions: ['2025.12.18', '2026.8.31'] } });
});
afterAll(async () => {
  await registry?.close();
  await bus.close();
  await db?.destroy();
});

const fieldsOf = (err: TRPCError) =>
  (
    getErrorShape({
      config: appRouter._def._config,
      error: err,
      type: 'mutation',
      path: 'test',
      input: undefined,
      ctx: undefined,
    }).data as { fields: Record<string, string> | null }
  ).fields;

describe('installation versions through tRPC', () => {
  it('lists, runs a canary, compares, rolls back; members read; another workspace sees nothing', async () => {
    const services = testServices({ bus, npmRegistry: { registryUrl: registry.url } });
    const suffix = crypto.randomUUID().slice(0, 8);
    const a = await signUpWorkspace(db.db, 'A', suffix);
    const b = await signUpWorkspace(db.db, 'B', suffix);
    const memberA = await seedMember(db.db, a.tenantId, 'member');
    const owner = await callerAs(db.db, services, a.userId, a.tenantSlug);
    const member = await callerAs(db.db, services, memberA.id, a.tenantSlug);
    const ownerB = await callerAs(db.db, services, b.userId, b.tenantSlug);
    const entry = await seedRegistryEntry(db.db, a.tenantId, {
      transport: 'stdio',
      url: null,
      package: PACKAGE,
      version: '2025.12.18',
    });
    const { id: installationId } = await seedInstallation(db.db, a.tenantId, entry.id);

    const offered = await member.installationVersions.versions({ installationId });
    expect(offered.versions.map((v) => v.version)).toEqual(['2026.8.31', '2025.12.18']);

    const bad = await trpcError(
      owner.installationVersions.startCanary({ installationId, version: '2026.8.31', percent: 0 }),
    );
    expect(bad.code).toBe('BAD_REQUEST');
    expect(fieldsOf(bad)).toMatchObject({ percent: expect.any(String) as unknown });

    const started = await owner.installationVersions.startCanary({
      installationId,
      version: '2026.8.31',
      percent: 40,
    });
    expect(started.canary).toMatchObject({ version: '2026.8.31', percent: 40 });
    expect((await owner.installationVersions.canary({ installationId })).comparison).toMatchObject({
      stable: { version: '2025.12.18', calls: 0 },
      canary: { version: '2026.8.31', calls: 0 },
    });
    expect(await member.installationVersions.canary({ installationId })).toMatchObject({
      canary: { version: '2026.8.31' },
      comparison: null,
    });
    expect((await trpcError(member.installationVersions.rollBackCanary({ installationId }))).code).toBe(
      'FORBIDDEN',
    );
    expect((await trpcError(ownerB.installationVersions.rollBackCanary({ installationId }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await trpcError(ownerB.installationVersions.versions({ installationId }))).code).toBe(
      'NOT_FOUND',
    );

    expect(await owner.installationVersions.rollBackCanary({ installationId })).toMatchObject({
      canary: null,
    });
    expect((await trpcError(owner.installationVersions.promoteCanary({ installationId }))).code).toBe(
      'CONFLICT',
    );
    expect(await owner.installationVersions.pin({ installationId, version: '2026.8.31' })).toMatchObject({
      pinnedVersion: '2026.8.31',
    });
  });
});
