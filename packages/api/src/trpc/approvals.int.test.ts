import { createBus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import {
  createTestDatabase,
  seedApprovalRequest,
  seedGateway,
  seedMember,
  type TestDatabase,
} from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { callerAs, signUpWorkspace, testServices, trpcError } from './testing/trpc-test-env.ts';

let db: TestDatabase;
const bus = createBus({});
const services = testServices({
  bus,
  secretKeys: parseKeyRing(generateKeySpec()),
  allowPrivateUpstreams: true,
});

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await bus.close();
  await db?.destroy();
});

describe('approvals through tRPC', () => {
  it('lists, counts and decides for approvers; members read their own; other workspaces see nothing', async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const a = await signUpWorkspace(db.db, 'A', suffix);
    const b = await signUpWorkspace(db.db, 'B', suffix);
    const member = await seedMember(db.db, a.tenantId, 'member');
    const gateway = await seedGateway(db.db, a.tenantId);
    const request = await seedApprovalRequest(db.db, a.tenantId, gateway.id, {
      principalId: `user:${member.id}`,
      callerUserId: member.id,
      args: { to: 'x@example.test' },
    });
    const owner = await callerAs(db.db, services, a.userId, a.tenantSlug);
    const asMember = await callerAs(db.db, services, member.id, a.tenantSlug);
    const ownerB = await callerAs(db.db, services, b.userId, b.tenantSlug);

    expect(await owner.approvals.pendingCount()).toBe(1);
    expect((await owner.approvals.list({ status: 'pending' })).map((r) => [r.id, r.canDecide])).toEqual([
      [request.id, true],
    ]);
    expect(await asMember.approvals.pendingCount()).toBe(0);
    expect((await asMember.approvals.list()).map((r) => [r.id, r.canDecide])).toEqual([[request.id, false]]);
    expect((await trpcError(asMember.approvals.decide({ id: request.id, decision: 'approve' }))).code).toBe(
      'FORBIDDEN',
    );

    expect(await ownerB.approvals.list()).toEqual([]);
    expect((await trpcError(ownerB.approvals.get({ id: request.id }))).code).toBe('NOT_FOUND');
    expect((await trpcError(ownerB.approvals.decide({ id: request.id, decision: 'deny' }))).code).toBe(
      'NOT_FOUND',
    );

    const approved = await owner.approvals.decide({ id: request.id, decision: 'approve', note: 'once' });
    expect(approved).toMatchObject({ status: 'approved', note: 'once', decidedBy: { userId: a.userId } });
    expect(await owner.approvals.pendingCount()).toBe(0);
    const again = await trpcError(owner.approvals.decide({ id: request.id, decision: 'deny' }));
    expect(again.code).toBe('CONFLICT');
    expect(again.message).toContain('already approved by Owner A');
  });

  it('sets, rotates and removes the approval webhook for owners; members learn only that it exists', async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const a = await signUpWorkspace(db.db, 'A', suffix);
    const b = await signUpWorkspace(db.db, 'B', suffix);
    const member = await seedMember(db.db, a.tenantId, 'member');
    const owner = await callerAs(db.db, services, a.userId, a.tenantSlug);
    const asMember = await callerAs(db.db, services, member.id, a.tenantSlug);
    const ownerB = await callerAs(db.db, services, b.userId, b.tenantSlug);

    const created = await owner.approvals.setWebhook({ url: 'http://127.0.0.1:9/hook' });
    expect(created.secret).toMatch(/^tgs_/);
    expect(created.webhook).toMatchObject({ configured: true, url: 'http://127.0.0.1:9/hook' });
    expect(await owner.approvals.webhook()).toEqual(created.webhook);
    expect(await asMember.approvals.webhook()).toMatchObject({ configured: true, url: null });
    expect((await trpcError(asMember.approvals.setWebhook({ url: 'http://127.0.0.1:9/x' }))).code).toBe(
      'FORBIDDEN',
    );
    expect((await trpcError(asMember.approvals.rotateWebhookSecret())).code).toBe('FORBIDDEN');
    expect((await trpcError(owner.approvals.setWebhook({ url: 'http://10.0.0.1/' }))).code).toBe(
      'UNPROCESSABLE_CONTENT',
    );

    expect((await ownerB.approvals.webhook()).configured).toBe(false);
    const rotated = await owner.approvals.rotateWebhookSecret();
    expect(rotated.secret).not.toBe(created.secret);
    expect((await owner.approvals.removeWebhook()).configured).toBe(false);
  });
});
