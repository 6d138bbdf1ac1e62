import { invitations, memberships } from '@toolgate/db/schema';
import { randomSlug, seedApiToken } from '@toolgate/db/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZIssuedInvitation } from '../schemas/invitations.ts';
import { ZMemberRemoval, ZMemberRoleChange } from '../schemas/members.ts';
import { ZInvitationList, ZMemberList } from '../schemas/workspace-members.ts';
import { createTwoTenantEnv, seedOrg, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { createOutboxMailer, type OutboxMailer } from '../testing/outbox-mailer.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';

let env: ApiTestEnv;
let call: RestCall;
let outbox: OutboxMailer;
let a: SeededOrg;
let b: SeededOrg;
const WEB = 'https://web.example.test';

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  outbox = createOutboxMailer();
  call = restClient({
    db: env.db.db,
    bus: env.bus,
    publicMcpUrl: 'https://mcp.example.test',
    publicWebUrl: WEB,
    mailer: outbox,
  });
});
afterAll(async () => {
  await env?.close();
});

const roleIn = async (org: SeededOrg, userId: string) =>
  (
    await env.db.db
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.tenantId, org.tenant.id), eq(memberships.userId, userId)))
  )[0]?.role ?? null;
const newEmail = () => `${randomSlug('invitee')}@example.test`;

describe('/members', () => {
  it('GET lists this workspace’s members with their roles, no one else’s', async () => {
    const listed = ok(await call('GET', '/members', { token: a.memberToken }), 200, ZMemberList);
    expect(new Map(listed.members.map((m) => [m.userId, m.role]))).toEqual(
      new Map([
        [a.owner.id, 'owner'],
        [a.admin.id, 'admin'],
        [a.member.id, 'member'],
        [a.otherMember.id, 'member'],
      ]),
    );
  });

  it('PATCH /members/{userId} changes a role (admins); members and another tenant’s users are refused', async () => {
    const org = await seedOrg(env.db);
    const changed = ok(
      await call('PATCH', `/members/${org.otherMember.id}`, {
        token: org.adminToken,
        body: { role: 'admin' },
      }),
      200,
      ZMemberRoleChange,
    );
    expect(changed).toEqual({ userId: org.otherMember.id, role: 'admin' });
    expect(await roleIn(org, org.otherMember.id)).toBe('admin');
    failed(
      await call('PATCH', `/members/${org.admin.id}`, { token: org.memberToken, body: { role: 'member' } }),
      403,
      'FORBIDDEN',
    );
    failed(
      await call('PATCH', `/members/${b.member.id}`, { token: org.adminToken, body: { role: 'admin' } }),
      404,
      'NOT_FOUND',
    );
    expect(await roleIn(b, b.member.id)).toBe('member');
    failed(
      await call('PATCH', `/members/${org.member.id}`, { token: org.adminToken, body: { role: 'emperor' } }),
      422,
      'INVALID',
    );
    // The last owner stays one, even by their own hand.
    const ownerToken = (
      await seedApiToken(env.db.db, org.tenant.id, {
        scope: 'user',
        userId: org.owner.id,
        capabilities: ['admin'],
      })
    ).token;
    const lastOwner = failed(
      await call('PATCH', `/members/${org.owner.id}`, { token: ownerToken, body: { role: 'admin' } }),
      409,
      'CONFLICT',
    );
    expect(lastOwner.details).toEqual({ reason: 'last-owner' });
    failed(await call('DELETE', `/members/${org.owner.id}`, { token: ownerToken }), 409, 'CONFLICT');
    expect(await roleIn(org, org.owner.id)).toBe('owner');
  });

  it('DELETE /members/{userId} removes someone and revokes their tokens here; never another tenant’s', async () => {
    const org = await seedOrg(env.db);
    failed(
      await call('DELETE', `/members/${org.otherMember.id}`, { token: org.memberToken }),
      403,
      'FORBIDDEN',
    );
    failed(await call('DELETE', `/members/${b.otherMember.id}`, { token: org.adminToken }), 404, 'NOT_FOUND');
    expect(await roleIn(b, b.otherMember.id)).toBe('member');
    const removed = ok(
      await call('DELETE', `/members/${org.member.id}`, { token: org.adminToken }),
      200,
      ZMemberRemoval,
    );
    expect(removed).toEqual({ userId: org.member.id, revokedTokens: 1 });
    expect(await roleIn(org, org.member.id)).toBeNull();
    // Their personal REST token went with them.
    failed(await call('GET', '/members', { token: org.memberToken }), 401, 'UNAUTHORIZED');
  });
});

describe('/invitations', () => {
  it('POST invites (201, link shown once and emailed); GET lists it; DELETE revokes it (204)', async () => {
    const email = newEmail();
    const issued = ok(
      await call('POST', '/invitations', { token: a.adminToken, body: { email, role: 'admin' } }),
      201,
      ZIssuedInvitation,
    );
    expect(issued).toMatchObject({ email, role: 'admin', emailed: true, expired: false });
    expect(issued.link.startsWith(`${WEB}/invite/`)).toBe(true);
    expect(outbox.last(email, 'invitation')?.link).toBe(issued.link);
    failed(await call('POST', '/invitations', { token: a.adminToken, body: { email } }), 409, 'CONFLICT');

    const listed = ok(await call('GET', '/invitations', { token: a.adminToken }), 200, ZInvitationList);
    expect(listed.invitations.map((i) => i.id)).toContain(issued.id);
    expect(JSON.stringify(listed)).not.toContain(issued.link);

    const revoked = await call('DELETE', `/invitations/${issued.id}`, { token: a.adminToken });
    expect(revoked.status).toBe(204);
    expect(await env.db.db.select().from(invitations).where(eq(invitations.id, issued.id))).toEqual([]);
    failed(await call('DELETE', `/invitations/${issued.id}`, { token: a.adminToken }), 404, 'NOT_FOUND');
  });

  it('is for owners and admins: members may neither list, invite nor revoke', async () => {
    const issued = ok(
      await call('POST', '/invitations', { token: a.adminToken, body: { email: newEmail() } }),
      201,
      ZIssuedInvitation,
    );
    failed(await call('GET', '/invitations', { token: a.memberToken }), 403, 'FORBIDDEN');
    failed(
      await call('POST', '/invitations', { token: a.memberToken, body: { email: newEmail() } }),
      403,
      'FORBIDDEN',
    );
    failed(await call('DELETE', `/invitations/${issued.id}`, { token: a.memberToken }), 403, 'FORBIDDEN');
    // Only owners invite owners; an org token acts as an admin.
    failed(
      await call('POST', '/invitations', { token: a.adminToken, body: { email: newEmail(), role: 'owner' } }),
      403,
      'FORBIDDEN',
    );
  });

  it("never lists or revokes another tenant's invitations", async () => {
    const theirs = ok(
      await call('POST', '/invitations', { token: b.adminToken, body: { email: newEmail() } }),
      201,
      ZIssuedInvitation,
    );
    const listed = ok(await call('GET', '/invitations', { token: a.adminToken }), 200, ZInvitationList);
    expect(listed.invitations.map((i) => i.id)).not.toContain(theirs.id);
    failed(await call('DELETE', `/invitations/${theirs.id}`, { token: a.adminToken }), 404, 'NOT_FOUND');
    expect(await env.db.db.select().from(invitations).where(eq(invitations.id, theirs.id))).toHaveLength(1);
  });
});
