import { getErrorShape, type TRPCError } from '@trpc/server';
import { createBus } from '@toolgate/bus';
import {
  createTestDatabase,
  seedInstallation,
  seedMember,
  seedRegistryEntry,
  seedTools,
  type TestDatabase,
} from '@toolgate/db/testing';
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

async function world() {
  const suffix = crypto.randomUUID().slice(0, 8);
  const a = await signUpWorkspace(db.db, 'A', suffix);
  const b = await signUpWorkspace(db.db, 'B', suffix);
  const memberA = await seedMember(db.db, a.tenantId, 'member');
  return {
    a,
    owner: await callerFor(a.userId, a.tenantSlug),
    member: await callerFor(memberA.id, a.tenantSlug),
    ownerB: await callerFor(b.userId, b.tenantSlug),
  };
}

describe('policies through tRPC', () => {
  it('list, get, create, update and remove, members reading only', async () => {
    const { owner, member, ownerB } = await world();
    const created = await owner.policies.create({
      name: 'No deletes',
      condition: 'tool.annotations.destructiveHint == true',
      action: 'require_approval',
    });
    expect(created).toMatchObject({ gatewayIds: null, enabled: true, priority: 0 });
    expect(await member.policies.list()).toEqual([created]);
    expect(await member.policies.get({ id: created.id })).toEqual(created);
    const refused = await trpcError(member.policies.update({ id: created.id, patch: { enabled: false } }));
    expect(refused.code).toBe('FORBIDDEN');
    const updated = await owner.policies.update({ id: created.id, patch: { enabled: false } });
    expect(updated.enabled).toBe(false);
    expect((await trpcError(ownerB.policies.get({ id: created.id }))).code).toBe('NOT_FOUND');
    expect(await ownerB.policies.list()).toEqual([]);
    await owner.policies.remove({ id: created.id });
    expect(await owner.policies.list()).toEqual([]);
  });

  it('gives a form the condition field message and an editor the position', async () => {
    const { owner } = await world();
    const err = await trpcError(
      owner.policies.create({ name: 'typo', condition: 'caller.rol == "admin"', action: 'deny' }),
    );
    expect(err.code).toBe('UNPROCESSABLE_CONTENT');
    const data = errorData(err) as { fields: unknown; details: unknown };
    expect(data.fields).toEqual({ condition: 'Line 1, column 8: No such key: rol' });
    expect(data.details).toEqual({
      condition: { message: 'No such key: rol', offset: 7, line: 1, column: 8 },
    });
  });
});

describe('tool labels through tRPC', () => {
  it('labels an installation tool and a registry entry’s tools', async () => {
    const { a, owner, member } = await world();
    const entry = await seedRegistryEntry(db.db, a.tenantId);
    const installation = await seedInstallation(db.db, a.tenantId, entry.id);
    const [tool] = await seedTools(db.db, a.tenantId, installation.id, [{ name: 'send_mail' }]);
    const labelled = await owner.tools.setLabels({
      installationId: installation.id,
      toolId: tool!.id,
      labels: ['external-send'],
    });
    expect(labelled.labels).toEqual(['external-send']);
    const onEntry = await owner.tools.setEntryLabels({
      entryId: entry.id,
      tools: { send_mail: ['external-send', 'email'] },
    });
    expect(onEntry.toolLabels).toEqual({ send_mail: ['email', 'external-send'] });
    const refused = await trpcError(
      member.tools.setLabels({ installationId: installation.id, toolId: tool!.id, labels: [] }),
    );
    expect(refused.code).toBe('FORBIDDEN');
    const bad = await trpcError(
      owner.tools.setLabels({ installationId: installation.id, toolId: tool!.id, labels: ['UPPER'] }),
    );
    expect(bad.code).toBe('BAD_REQUEST');
  });
});
