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

describe('tool changes through tRPC', () => {
  it('lists, counts and decides for owners; members are refused; other workspaces see nothing', async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const a = await signUpWorkspace(db.db, 'A', suffix);
    const b = await signUpWorkspace(db.db, 'B', suffix);
    const member = await seedMember(db.db, a.tenantId, 'member');
    const entry = await seedRegistryEntry(db.db, a.tenantId);
    const installation = await seedInstallation(db.db, a.tenantId, entry.id);
    const [tool] = await seedTools(db.db, a.tenantId, installation.id, [
      { name: 'send', description: 'Send an email', approved: false },
    ]);
    const owner = await callerAs(db.db, services, a.userId, a.tenantSlug);
    const asMember = await callerAs(db.db, services, member.id, a.tenantSlug);
    const ownerB = await callerAs(db.db, services, b.userId, b.tenantSlug);

    expect(await owner.toolChanges.pendingCount()).toBe(1);
    expect((await owner.toolChanges.list()).map((c) => [c.id, c.kind, c.status])).toEqual([
      [tool!.id, 'new', 'pending'],
    ]);
    expect(await asMember.toolChanges.pendingCount()).toBe(0);
    expect((await trpcError(asMember.toolChanges.list())).code).toBe('FORBIDDEN');
    expect((await trpcError(asMember.toolChanges.decide({ id: tool!.id, decision: 'approve' }))).code).toBe(
      'FORBIDDEN',
    );
    expect(await ownerB.toolChanges.list()).toEqual([]);
    expect((await trpcError(ownerB.toolChanges.decide({ id: tool!.id, decision: 'approve' }))).code).toBe(
      'NOT_FOUND',
    );

    const decided = await owner.toolChanges.decide({ id: tool!.id, decision: 'approve', note: 'fine' });
    expect(decided).toMatchObject({ outcome: 'approved', served: { description: 'Send an email' } });
    expect(await owner.toolChanges.pendingCount()).toBe(0);
    expect((await trpcError(owner.toolChanges.decide({ id: tool!.id, decision: 'reject' }))).code).toBe(
      'CONFLICT',
    );
  });

  it('reads and changes the pinning settings (owners and admins change them)', async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const a = await signUpWorkspace(db.db, 'A', suffix);
    const member = await seedMember(db.db, a.tenantId, 'member');
    const owner = await callerAs(db.db, services, a.userId, a.tenantSlug);
    const asMember = await callerAs(db.db, services, member.id, a.tenantSlug);
    expect(await asMember.toolChanges.settings()).toEqual({
      autoApproveNewTools: true,
      onToolChange: 'serve_approved',
    });
    expect(await owner.toolChanges.setSettings({ onToolChange: 'disable' })).toEqual({
      autoApproveNewTools: true,
      onToolChange: 'disable',
    });
    expect((await trpcError(asMember.toolChanges.setSettings({ autoApproveNewTools: false }))).code).toBe(
      'FORBIDDEN',
    );
    expect(await owner.toolChanges.settings()).toEqual({
      autoApproveNewTools: true,
      onToolChange: 'disable',
    });
  });
});
