import { invitations, memberships } from '@toolgate/db/schema';
import { randomSlug, seedUser } from '@toolgate/db/testing';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashLinkToken } from '../link-token.ts';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { createOutboxMailer, type OutboxMailer } from '../testing/outbox-mailer.ts';
import { acceptInvitation } from './accept-invitation.ts';
import { ALREADY_INVITED, ALREADY_MEMBER, createInvitation } from './create-invitation.ts';
import { getInvitation } from './get-invitation.ts';
import { listInvitations } from './list-invitations.ts';
import { resendInvitation } from './resend-invitation.ts';
import { revokeInvitation } from './revoke-invitation.ts';
import { INVITED_ACCOUNT_EXISTS, signUpWithInvitation } from './sign-up-with-invitation.ts';

let env: ApiTestEnv;
let outbox: OutboxMailer;
let a: SeededOrg;
let b: SeededOrg;
const WEB = 'http://web.test';

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  outbox = createOutboxMailer();
});
afterAll(async () => {
  await env?.close();
});

type Who = keyof SeededOrg['actors'];
const scope = (org: SeededOrg, who: Who = 'admin') => ({
  ...actingAs(env, org, who),
  mailer: outbox,
  publicWebUrl: WEB,
});
const newEmail = () => `${randomSlug('invitee')}@example.test`;
const invite = (
  org: SeededOrg,
  input: { email: string; role?: 'owner' | 'admin' | 'member' },
  who: Who = 'admin',
) => createInvitation({ ...scope(org, who), input });
const tokenOf = (link: string) => link.slice(`${WEB}/invite/`.length);
const roleIn = async (org: SeededOrg, userId: string) => {
  const [row] = await env.db.db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.tenantId, org.tenant.id), eq(memberships.userId, userId)));
  return row?.role ?? null;
};
const expire = (invitationId: string) =>
  env.db.db
    .update(invitations)
    .set({ expiresAt: sql`now() - interval '1 second'` })
    .where(eq(invitations.id, invitationId));

describe('creating invitations', () => {
  it('emails a week-long link, returns it once and stores only its hash', async () => {
    const email = newEmail();
    const issued = await invite(a, { email: email.toUpperCase(), role: 'admin' });

    expect(issued).toMatchObject({ email, role: 'admin', expired: false, emailed: true });
    expect(issued.invitedBy).toEqual({ id: a.admin.id, name: null, email: a.admin.email });
    expect(issued.link).toMatch(/^http:\/\/web\.test\/invite\/[A-Za-z0-9_-]{43}$/);
    const week = Date.parse(issued.expiresAt) - Date.parse(issued.createdAt);
    expect(week).toBe(7 * 24 * 60 * 60 * 1000);

    const message = outbox.last(email, 'invitation')!;
    expect(message.link).toBe(issued.link);
    expect(message.subject).toContain(a.tenant.name);
    expect(message.text).toContain('as an admin');

    const [row] = await env.db.db.select().from(invitations).where(eq(invitations.id, issued.id));
    expect(row!.tokenHash).toBe(hashLinkToken(tokenOf(issued.link)));
    expect(JSON.stringify(row)).not.toContain(tokenOf(issued.link));

    const listed = await listInvitations(scope(a));
    const mine = listed.find((i) => i.id === issued.id)!;
    expect(mine).toEqual({
      id: issued.id,
      email,
      role: 'admin',
      invitedBy: issued.invitedBy,
      createdAt: issued.createdAt,
      expiresAt: issued.expiresAt,
      expired: false,
    });
    expect(mine).not.toHaveProperty('link');
  });

  it('still returns the link when the mail relay refuses the message', async () => {
    outbox.failing = true;
    try {
      const issued = await invite(a, { email: newEmail() });
      expect(issued.emailed).toBe(false);
      expect(issued.link).toMatch(/\/invite\//);
    } finally {
      outbox.failing = false;
    }
  });

  it('lets owners invite owners, admins invite admins and members, and members invite nobody', async () => {
    expect((await invite(a, { email: newEmail(), role: 'owner' }, 'owner')).role).toBe('owner');
    expect((await invite(a, { email: newEmail(), role: 'admin' }, 'admin')).role).toBe('admin');
    expect((await invite(a, { email: newEmail() }, 'admin')).role).toBe('member');

    const adminOwner = await failureOf(() => invite(a, { email: newEmail(), role: 'owner' }, 'admin'));
    expect(adminOwner).toMatchObject({ code: 'FORBIDDEN', message: 'Only owners can invite owners' });
    for (const role of ['member', 'admin'] as const) {
      const byMember = await failureOf(() => invite(a, { email: newEmail(), role }, 'member'));
      expect(byMember.code).toBe('FORBIDDEN');
    }
    expect((await failureOf(() => listInvitations(scope(a, 'member')))).code).toBe('FORBIDDEN');
  });

  it("refuses a member's address (any case) and a second live invitation with 409s on the email field", async () => {
    const member = await failureOf(() => invite(a, { email: a.member.email.toUpperCase() }));
    expect(member).toMatchObject({
      code: 'CONFLICT',
      details: { fields: [{ path: 'email', message: ALREADY_MEMBER }] },
    });

    const email = newEmail();
    const first = await invite(a, { email });
    const twice = await failureOf(() => invite(a, { email, role: 'admin' }));
    expect(twice).toMatchObject({
      code: 'CONFLICT',
      details: { fields: [{ path: 'email', message: ALREADY_INVITED }] },
    });
    // The same address may be invited to another workspace meanwhile.
    await invite(b, { email });

    // An expired invitation is replaced by a new one (and its link stays dead).
    await expire(first.id);
    const replacement = await invite(a, { email, role: 'admin' });
    expect((await listInvitations(scope(a))).filter((i) => i.email === email)).toEqual([
      expect.objectContaining({ id: replacement.id, role: 'admin' }),
    ]);
    expect(await getInvitation({ db: env.db.db, token: tokenOf(first.link) })).toMatchObject({
      ok: false,
      problem: 'invalid',
    });
  });

  it('validates the address and the role', async () => {
    const err = await failureOf(() =>
      createInvitation({ ...scope(a), input: { email: 'nope', role: 'boss' as 'member' } }),
    );
    expect(err.code).toBe('INVALID');
    expect((err.details?.fields as { path: string }[]).map((f) => f.path).sort()).toEqual(['email', 'role']);
  });
});

describe('accepting invitations', () => {
  it('joins a signed-in user whose address matches, with the role invited, once', async () => {
    const user = await seedUser(env.db.db, { email: newEmail() });
    const issued = await invite(a, { email: user.email.toUpperCase(), role: 'admin' });
    const token = tokenOf(issued.link);

    expect(await getInvitation({ db: env.db.db, token })).toEqual({
      ok: true,
      invitation: {
        tenantName: a.tenant.name,
        tenantSlug: a.tenant.slug,
        email: user.email,
        role: 'admin',
        inviterName: a.admin.email,
        expiresAt: issued.expiresAt,
        accountExists: true,
      },
    });
    expect(await acceptInvitation({ db: env.db.db, userId: user.id, token })).toEqual({
      tenantId: a.tenant.id,
      tenantSlug: a.tenant.slug,
      role: 'admin',
    });
    expect(await roleIn(a, user.id)).toBe('admin');
    expect((await listInvitations(scope(a))).map((i) => i.id)).not.toContain(issued.id);

    const reuse = await failureOf(() => acceptInvitation({ db: env.db.db, userId: user.id, token }));
    expect(reuse).toMatchObject({ code: 'CONFLICT', details: { reason: 'used' } });
    expect(await getInvitation({ db: env.db.db, token })).toEqual({
      ok: false,
      problem: 'used',
      tenantName: a.tenant.name,
    });
  });

  it('refuses a user signed in with another address', async () => {
    const intended = newEmail();
    const other = await seedUser(env.db.db, { email: newEmail() });
    const issued = await invite(a, { email: intended });
    const err = await failureOf(() =>
      acceptInvitation({ db: env.db.db, userId: other.id, token: tokenOf(issued.link) }),
    );
    expect(err).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'wrong-account' } });
    expect(err.message).toContain(intended);
    expect(await roleIn(a, other.id)).toBeNull();
    expect(await getInvitation({ db: env.db.db, token: tokenOf(issued.link) })).toMatchObject({ ok: true });
  });

  it('refuses expired, revoked and unknown links with their reasons', async () => {
    const user = await seedUser(env.db.db, { email: newEmail() });
    const expired = await invite(a, { email: user.email });
    await expire(expired.id);
    const expiredErr = await failureOf(() =>
      acceptInvitation({ db: env.db.db, userId: user.id, token: tokenOf(expired.link) }),
    );
    expect(expiredErr).toMatchObject({ code: 'INVALID', details: { reason: 'expired' } });
    expect(await getInvitation({ db: env.db.db, token: tokenOf(expired.link) })).toEqual({
      ok: false,
      problem: 'expired',
      tenantName: a.tenant.name,
    });

    const other = await seedUser(env.db.db, { email: newEmail() });
    const revoked = await invite(a, { email: other.email });
    expect(await revokeInvitation({ ...scope(a), invitationId: revoked.id })).toEqual({ id: revoked.id });
    const revokedErr = await failureOf(() =>
      acceptInvitation({ db: env.db.db, userId: other.id, token: tokenOf(revoked.link) }),
    );
    expect(revokedErr).toMatchObject({ code: 'NOT_FOUND', details: { reason: 'invalid' } });
    expect(await getInvitation({ db: env.db.db, token: tokenOf(revoked.link) })).toEqual({
      ok: false,
      problem: 'invalid',
      tenantName: null,
    });
    expect(await getInvitation({ db: env.db.db, token: 'garbage' })).toMatchObject({ problem: 'invalid' });
    expect(await roleIn(a, user.id)).toBeNull();
    expect(await roleIn(a, other.id)).toBeNull();
  });

  it('lets one of two simultaneous accepts win', async () => {
    const user = await seedUser(env.db.db, { email: newEmail() });
    const token = tokenOf((await invite(a, { email: user.email })).link);
    const results = await Promise.allSettled([
      acceptInvitation({ db: env.db.db, userId: user.id, token }),
      acceptInvitation({ db: env.db.db, userId: user.id, token }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await roleIn(a, user.id)).toBe('member');
  });
});

describe('signing up with an invitation', () => {
  it('creates the account for the invited address and joins it, without a workspace of its own', async () => {
    const email = newEmail();
    const token = tokenOf((await invite(a, { email })).link);
    expect(await getInvitation({ db: env.db.db, token })).toMatchObject({
      ok: true,
      invitation: { accountExists: false },
    });

    const joined = await signUpWithInvitation({
      db: env.db.db,
      input: { token, name: '  Katherine Johnson ', password: 'orbital mechanics' },
    });
    expect(joined).toMatchObject({ email, tenantSlug: a.tenant.slug });
    const { rows } = await env.db.pool.query<{ tenant_id: string; role: string }>(
      'select tenant_id, role from memberships where user_id = $1',
      [joined.userId],
    );
    expect(rows).toEqual([{ tenant_id: a.tenant.id, role: 'member' }]);
    const { rows: users } = await env.db.pool.query('select name, email from users where id = $1', [
      joined.userId,
    ]);
    expect(users).toEqual([{ name: 'Katherine Johnson', email }]);

    const again = await failureOf(() =>
      signUpWithInvitation({
        db: env.db.db,
        input: { token, name: 'Mallory', password: 'another password' },
      }),
    );
    expect(again).toMatchObject({ code: 'CONFLICT', details: { reason: 'used' } });
  });

  it('sends an existing account to sign in instead, leaving the invitation usable', async () => {
    const user = await seedUser(env.db.db, { email: newEmail() });
    const token = tokenOf((await invite(a, { email: user.email })).link);
    const err = await failureOf(() =>
      signUpWithInvitation({ db: env.db.db, input: { token, name: 'Dup', password: 'long enough pw' } }),
    );
    expect(err).toMatchObject({ code: 'CONFLICT', message: INVITED_ACCOUNT_EXISTS });
    expect(await getInvitation({ db: env.db.db, token })).toMatchObject({ ok: true });
  });

  it('validates name and password, and refuses dead links', async () => {
    const token = tokenOf((await invite(a, { email: newEmail() })).link);
    const err = await failureOf(() =>
      signUpWithInvitation({ db: env.db.db, input: { token, name: ' ', password: 'short' } }),
    );
    expect(err.code).toBe('INVALID');
    expect((err.details?.fields as { path: string }[]).map((f) => f.path).sort()).toEqual([
      'name',
      'password',
    ]);
    const dead = await failureOf(() =>
      signUpWithInvitation({
        db: env.db.db,
        input: { token: 'x'.repeat(43), name: 'X', password: 'long enough pw' },
      }),
    );
    expect(dead).toMatchObject({ code: 'NOT_FOUND', details: { reason: 'invalid' } });
  });
});

describe('resending and revoking', () => {
  it('resends with a new link (the old one stops working), at most once a minute', async () => {
    const user = await seedUser(env.db.db, { email: newEmail() });
    const first = await invite(a, { email: user.email });
    const tooSoon = await failureOf(() => resendInvitation({ ...scope(a), invitationId: first.id }));
    expect(tooSoon.code).toBe('RATE_LIMITED');

    await expire(first.id);
    const resent = await resendInvitation({ ...scope(a, 'owner'), invitationId: first.id });
    expect(resent).toMatchObject({ id: first.id, expired: false, emailed: true });
    expect(resent.invitedBy?.id).toBe(a.owner.id);
    expect(resent.link).not.toBe(first.link);
    expect(outbox.last(user.email, 'invitation')!.link).toBe(resent.link);

    const old = await failureOf(() =>
      acceptInvitation({ db: env.db.db, userId: user.id, token: tokenOf(first.link) }),
    );
    expect(old).toMatchObject({ code: 'NOT_FOUND' });
    await acceptInvitation({ db: env.db.db, userId: user.id, token: tokenOf(resent.link) });
    expect(await roleIn(a, user.id)).toBe('member');
    // Accepted invitations are history: neither resent nor revoked.
    expect((await failureOf(() => resendInvitation({ ...scope(a), invitationId: first.id }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await failureOf(() => revokeInvitation({ ...scope(a), invitationId: first.id }))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('lets only owners resend owner invitations, and only owners and admins revoke', async () => {
    const ownerInvite = await invite(a, { email: newEmail(), role: 'owner' }, 'owner');
    await expire(ownerInvite.id);
    const byAdmin = await failureOf(() =>
      resendInvitation({ ...scope(a, 'admin'), invitationId: ownerInvite.id }),
    );
    expect(byAdmin.code).toBe('FORBIDDEN');
    const byMember = await failureOf(() =>
      revokeInvitation({ ...scope(a, 'member'), invitationId: ownerInvite.id }),
    );
    expect(byMember.code).toBe('FORBIDDEN');
    await revokeInvitation({ ...scope(a, 'admin'), invitationId: ownerInvite.id });
    expect((await listInvitations(scope(a))).map((i) => i.id)).not.toContain(ownerInvite.id);
  });
});

describe('tenant isolation', () => {
  it("never lists, resends or revokes another workspace's invitations", async () => {
    const theirs = await invite(b, { email: newEmail() }, 'owner');
    await expire(theirs.id);
    expect((await listInvitations(scope(a, 'owner'))).map((i) => i.id)).not.toContain(theirs.id);
    for (const who of ['owner', 'admin'] as const) {
      const resend = await failureOf(() => resendInvitation({ ...scope(a, who), invitationId: theirs.id }));
      expect(resend.code).toBe('NOT_FOUND');
      const revoke = await failureOf(() => revokeInvitation({ ...scope(a, who), invitationId: theirs.id }));
      expect(revoke.code).toBe('NOT_FOUND');
    }
    const [row] = await env.db.db.select().from(invitations).where(eq(invitations.id, theirs.id));
    expect(row).toMatchObject({ tenantId: b.tenant.id, acceptedAt: null });
    expect(row!.expiresAt.getTime()).toBeLessThan(Date.now());
  });
});
