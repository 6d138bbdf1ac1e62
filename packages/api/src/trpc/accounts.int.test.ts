import { createBus } from '@toolgate/bus';
import {
  createTestDatabase,
  seedApiToken,
  seedMember,
  seedTeam,
  type TestDatabase,
} from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createOutboxMailer } from '../testing/outbox-mailer.ts';
import { requestPasswordReset } from '../services/request-password-reset.ts';
import { resetPassword } from '../services/reset-password.ts';
import { signUpWithInvitation } from '../services/sign-up-with-invitation.ts';
import { authenticateUser } from '../services/authenticate-user.ts';
import { callerAs, signUpWorkspace, testServices, trpcError } from './testing/trpc-test-env.ts';

/**
 * Accounts through the tRPC layer the UI uses: invitations, role management, password reset, and
 * the same calls aimed at another workspace.
 */

let db: TestDatabase;
const outbox = createOutboxMailer();
const bus = createBus({});
const services = testServices({ bus, mailer: outbox });

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await bus.close();
  await db?.destroy();
});

const callerFor = (userId: string | null, tenantSlug: string | null) =>
  callerAs(db.db, services, userId, tenantSlug);

const PASSWORD = 'password-123-abc';

/** Workspaces A (owner, admin, member) and B (owner, member), each with a pending invitation. */
async function world() {
  const suffix = crypto.randomUUID().slice(0, 8);
  const [a, b] = await Promise.all([
    signUpWorkspace(db.db, 'A', suffix, PASSWORD),
    signUpWorkspace(db.db, 'B', suffix, PASSWORD),
  ]);
  const [adminA, memberA, memberB] = await Promise.all([
    seedMember(db.db, a.tenantId, 'admin'),
    seedMember(db.db, a.tenantId, 'member'),
    seedMember(db.db, b.tenantId, 'member'),
  ]);
  const as = {
    ownerA: await callerFor(a.userId, a.tenantSlug),
    adminA: await callerFor(adminA.id, a.tenantSlug),
    memberA: await callerFor(memberA.id, a.tenantSlug),
    ownerB: await callerFor(b.userId, b.tenantSlug),
  };
  const inviteA = await as.adminA.invitations.create({ email: `pending-a-${suffix}@example.test` });
  const inviteB = await as.ownerB.invitations.create({
    email: `pending-b-${suffix}@example.test`,
    role: 'admin',
  });
  return { suffix, a, b, adminA, memberA, memberB, as, inviteA, inviteB };
}

const tokenOf = (link: string) => link.slice('http://web.test/invite/'.length);

describe('invitations', () => {
  it('lets admins invite and see pending invitations; the invitee signs up and lands in the workspace only', async () => {
    const w = await world();
    const email = `newcomer-${w.suffix}@example.test`;
    const issued = await w.as.ownerA.invitations.create({ email, role: 'admin' });
    expect(issued).toMatchObject({ email, role: 'admin', emailed: true });
    expect(outbox.last(email, 'invitation')?.link).toBe(issued.link);
    expect((await w.as.adminA.invitations.list()).map((i) => i.email).sort()).toEqual(
      [email, w.inviteA.email].sort(),
    );

    const joined = await signUpWithInvitation({
      db: db.db,
      input: { token: tokenOf(issued.link), name: 'New Comer', password: PASSWORD },
    });
    // Signs in with the password chosen on the invitation page.
    expect(await authenticateUser(db.db, { email, password: PASSWORD })).toMatchObject({ id: joined.userId });
    const me = await (await callerFor(joined.userId, null)).me.get();
    expect(me.memberships.map((m) => [m.tenantSlug, m.role])).toEqual([[w.a.tenantSlug, 'admin']]);
    expect((await w.as.adminA.invitations.list()).map((i) => i.email)).toEqual([w.inviteA.email]);
  });

  it('gives members nothing to manage, and admins no owner invitations', async () => {
    const w = await world();
    expect((await trpcError(w.as.memberA.invitations.list())).code).toBe('FORBIDDEN');
    expect(
      (await trpcError(w.as.memberA.invitations.create({ email: `x-${w.suffix}@example.test` }))).code,
    ).toBe('FORBIDDEN');
    expect((await trpcError(w.as.memberA.invitations.revoke({ invitationId: w.inviteA.id }))).code).toBe(
      'FORBIDDEN',
    );
    const ownerInvite = await trpcError(
      w.as.adminA.invitations.create({ email: `boss-${w.suffix}@example.test`, role: 'owner' }),
    );
    expect(ownerInvite).toMatchObject({ code: 'FORBIDDEN', message: 'Only owners can invite owners' });
  });

  it('answers an invitation to an existing member with a 409', async () => {
    const w = await world();
    const err = await trpcError(w.as.adminA.invitations.create({ email: w.memberA.email }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe('This person is already a member of this workspace');
  });

  it("keeps workspace A's admin away from workspace B's invitations and members", async () => {
    const w = await world();
    // Naming workspace B: not a member there, so it does not exist for them.
    const inB = await callerFor(w.adminA.id, w.b.tenantSlug);
    expect((await trpcError(inB.invitations.list())).code).toBe('NOT_FOUND');
    expect((await trpcError(inB.invitations.revoke({ invitationId: w.inviteB.id }))).code).toBe('NOT_FOUND');
    expect((await trpcError(inB.members.changeRole({ userId: w.memberB.id, role: 'admin' }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await trpcError(inB.members.remove({ userId: w.memberB.id }))).code).toBe('NOT_FOUND');

    // From workspace A, aiming at B's rows by id: they are not A's.
    for (const caller of [w.as.adminA, w.as.ownerA]) {
      expect((await caller.invitations.list()).map((i) => i.id)).not.toContain(w.inviteB.id);
      expect((await trpcError(caller.invitations.revoke({ invitationId: w.inviteB.id }))).code).toBe(
        'NOT_FOUND',
      );
      expect((await trpcError(caller.invitations.resend({ invitationId: w.inviteB.id }))).code).toBe(
        'NOT_FOUND',
      );
      expect((await trpcError(caller.members.changeRole({ userId: w.memberB.id, role: 'admin' }))).code).toBe(
        'NOT_FOUND',
      );
      expect((await trpcError(caller.members.remove({ userId: w.b.userId }))).code).toBe('NOT_FOUND');
    }
    expect((await w.as.ownerB.invitations.list()).map((i) => i.id)).toEqual([w.inviteB.id]);
    expect((await w.as.ownerB.members.list()).map((m) => [m.userId, m.role])).toEqual([
      [w.b.userId, 'owner'],
      [w.memberB.id, 'member'],
    ]);
  });
});

describe('members', () => {
  it('enforces the role rules: admins manage members and admins, owners manage owners, one owner stays', async () => {
    const w = await world();
    expect(
      (await trpcError(w.as.memberA.members.changeRole({ userId: w.adminA.id, role: 'member' }))).code,
    ).toBe('FORBIDDEN');
    expect(
      (await trpcError(w.as.adminA.members.changeRole({ userId: w.memberA.id, role: 'owner' }))).code,
    ).toBe('FORBIDDEN');
    expect(await w.as.adminA.members.changeRole({ userId: w.memberA.id, role: 'admin' })).toEqual({
      userId: w.memberA.id,
      role: 'admin',
    });

    const lastOwner = await trpcError(w.as.ownerA.members.changeRole({ userId: w.a.userId, role: 'admin' }));
    expect(lastOwner.code).toBe('CONFLICT');
    expect((await trpcError(w.as.ownerA.members.leave())).code).toBe('CONFLICT');
    expect((await trpcError(w.as.adminA.members.remove({ userId: w.a.userId }))).code).toBe('FORBIDDEN');
  });

  it('removes a member with their teams and tokens, and lets a member leave', async () => {
    const w = await world();
    await seedTeam(db.db, w.a.tenantId, [w.memberA.id]);
    const token = await seedApiToken(db.db, w.a.tenantId, { scope: 'user', userId: w.memberA.id });
    expect(await w.as.adminA.members.remove({ userId: w.memberA.id })).toEqual({
      userId: w.memberA.id,
      revokedTokens: 1,
    });
    expect((await w.as.ownerA.members.list()).map((m) => m.userId)).not.toContain(w.memberA.id);
    expect((await w.as.ownerA.teams.list())[0]!.memberCount).toBe(0);
    const { rows } = await db.pool.query<{ revoked_at: Date | null }>(
      'select revoked_at from api_tokens where id = $1',
      [token.id],
    );
    expect(rows[0]!.revoked_at).toBeInstanceOf(Date);
    // Their next request no longer reaches the workspace.
    const removed = await callerFor(w.memberA.id, w.a.tenantSlug);
    expect((await trpcError(removed.members.list())).code).toBe('NOT_FOUND');

    expect(await w.as.adminA.members.leave()).toEqual({ userId: w.adminA.id, revokedTokens: 0 });
    expect((await w.as.ownerA.members.list()).map((m) => m.userId)).toEqual([w.a.userId]);
  });
});

describe('password reset', () => {
  it('signs in with the new password only, once the emailed link is used', async () => {
    const w = await world();
    const email = w.memberA.email;
    await db.pool.query(
      'update users set password_hash = (select password_hash from users where id = $1) where id = $2',
      [w.a.userId, w.memberA.id],
    );
    expect(await authenticateUser(db.db, { email, password: PASSWORD })).toMatchObject({ id: w.memberA.id });

    await requestPasswordReset({
      db: db.db,
      mailer: outbox,
      publicWebUrl: 'http://web.test',
      input: { email },
    });
    const link = new URL(outbox.last(email, 'password-reset')!.link);
    expect(link.origin + link.pathname).toBe('http://web.test/reset-password');
    await resetPassword({
      db: db.db,
      input: { token: link.searchParams.get('token')!, password: 'my new secret 42' },
    });

    expect(await authenticateUser(db.db, { email, password: 'my new secret 42' })).toMatchObject({
      id: w.memberA.id,
    });
    expect(await authenticateUser(db.db, { email, password: PASSWORD })).toBeNull();
  });
});
