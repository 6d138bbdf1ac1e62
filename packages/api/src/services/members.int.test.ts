import { tokenKey, userPrincipalKey } from '@toolgate/bus';
import { hashApiToken } from '@toolgate/core/api-token';
import { apiTokens, memberships, teamMembers } from '@toolgate/db/schema';
import { seedApiToken, seedMember, seedTeam } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../actor.ts';
import {
  createApiTestEnv,
  failureOf,
  recordInvalidations,
  seedOrg,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { authenticateApiToken } from './authenticate-api-token.ts';
import { changeMemberRole, LAST_OWNER, ONLY_OWNERS_CHANGE_OWNERS } from './change-member-role.ts';
import { LAST_OWNER_LEAVING, leaveWorkspace } from './leave-workspace.ts';
import { removeMember } from './remove-member.ts';

let env: ApiTestEnv;

beforeAll(async () => {
  env = await createApiTestEnv();
});
afterAll(async () => {
  await env?.close();
});

type Role = 'owner' | 'admin' | 'member';
const as = (org: SeededOrg, actor: Actor) => ({
  db: env.db.db,
  bus: env.bus,
  tenantId: org.tenant.id,
  actor,
});
const change = (org: SeededOrg, actor: Actor, userId: string, role: Role) =>
  changeMemberRole({ ...as(org, actor), input: { userId, role } });
const remove = (org: SeededOrg, actor: Actor, userId: string) =>
  removeMember({ ...as(org, actor), input: { userId } });
const roleIn = async (org: SeededOrg, userId: string) => {
  const [row] = await env.db.db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.tenantId, org.tenant.id), eq(memberships.userId, userId)));
  return row?.role ?? null;
};
const ownerCount = async (org: SeededOrg) =>
  env.db.db.$count(memberships, and(eq(memberships.tenantId, org.tenant.id), eq(memberships.role, 'owner')));

describe('changing roles', () => {
  it('lets admins move people between member and admin', async () => {
    const org = await seedOrg(env.db);
    // A proxy has the member's principal (with their role) cached.
    const cached = userPrincipalKey(org.tenant.id, org.member.id);
    await env.bus.sharedCache.set(cached, JSON.stringify({ role: 'member' }), 60);
    // …and the principal of their personal token, which carries the role too.
    const cachedToken = tokenKey(hashApiToken(org.memberToken));
    await env.bus.sharedCache.set(cachedToken, JSON.stringify({ userIsAdmin: false }), 60);
    expect(await change(org, org.actors.admin, org.member.id, 'admin')).toEqual({
      userId: org.member.id,
      role: 'admin',
    });
    expect(await roleIn(org, org.member.id)).toBe('admin');
    expect(await env.bus.sharedCache.get(cached)).toBeNull();
    expect(await env.bus.sharedCache.get(cachedToken)).toBeNull();
    await change(org, org.actors.admin, org.member.id, 'member');
    expect(await roleIn(org, org.member.id)).toBe('member');
    // An admin may step down.
    await change(org, org.actors.admin, org.admin.id, 'member');
    expect(await roleIn(org, org.admin.id)).toBe('member');
  });

  it('lets members change nothing', async () => {
    const org = await seedOrg(env.db);
    for (const [userId, role] of [
      [org.otherMember.id, 'admin'],
      [org.member.id, 'admin'],
      [org.admin.id, 'member'],
      [org.owner.id, 'member'],
    ] as const) {
      const err = await failureOf(() => change(org, org.actors.member, userId, role));
      expect(err.code).toBe('FORBIDDEN');
    }
    expect(await roleIn(org, org.member.id)).toBe('member');
    expect(await roleIn(org, org.admin.id)).toBe('admin');
  });

  it('lets only owners make owners or change an owner', async () => {
    const org = await seedOrg(env.db);
    const promote = await failureOf(() => change(org, org.actors.admin, org.member.id, 'owner'));
    expect(promote).toMatchObject({ code: 'FORBIDDEN', message: ONLY_OWNERS_CHANGE_OWNERS });
    const self = await failureOf(() => change(org, org.actors.admin, org.admin.id, 'owner'));
    expect(self.code).toBe('FORBIDDEN');
    const demote = await failureOf(() => change(org, org.actors.admin, org.owner.id, 'admin'));
    expect(demote.code).toBe('FORBIDDEN');
    expect(await roleIn(org, org.owner.id)).toBe('owner');

    await change(org, org.actors.owner, org.admin.id, 'owner');
    expect(await roleIn(org, org.admin.id)).toBe('owner');
    // Two owners: either may now step down.
    await change(org, org.actors.owner, org.owner.id, 'member');
    expect(await roleIn(org, org.owner.id)).toBe('member');
  });

  it('keeps the last owner an owner', async () => {
    const org = await seedOrg(env.db);
    const err = await failureOf(() => change(org, org.actors.owner, org.owner.id, 'admin'));
    expect(err).toMatchObject({ code: 'CONFLICT', message: LAST_OWNER, details: { reason: 'last-owner' } });
    expect(await roleIn(org, org.owner.id)).toBe('owner');
  });

  it('never leaves a workspace ownerless when both owners step down at once', async () => {
    const org = await seedOrg(env.db);
    await change(org, org.actors.owner, org.admin.id, 'owner');
    const secondOwner: Actor = { userId: org.admin.id, role: 'owner' };
    const results = await Promise.allSettled([
      change(org, org.actors.owner, org.owner.id, 'member'),
      change(org, secondOwner, org.admin.id, 'member'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'CONFLICT' } });
    expect(await ownerCount(org)).toBe(1);
  });

  it('judges the actor by their current role, not the one they had when the request began', async () => {
    const org = await seedOrg(env.db);
    await change(org, org.actors.owner, org.admin.id, 'member');
    // org.actors.admin still claims "admin".
    const err = await failureOf(() => change(org, org.actors.admin, org.member.id, 'admin'));
    expect(err.code).toBe('FORBIDDEN');
    expect(await roleIn(org, org.member.id)).toBe('member');
  });

  it('answers unknown members and invalid roles clearly', async () => {
    const org = await seedOrg(env.db);
    const unknown = await failureOf(() => change(org, org.actors.owner, crypto.randomUUID(), 'admin'));
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: 'Member not found' });
    const bad = await failureOf(() => change(org, org.actors.owner, org.member.id, 'superuser' as Role));
    expect(bad).toMatchObject({ code: 'INVALID' });
  });
});

describe('removing members and leaving', () => {
  it("removes the member's teams and revokes their own tokens in this workspace only, on every proxy", async () => {
    const org = await seedOrg(env.db);
    const other = await seedOrg(env.db);
    await env.db.db
      .insert(memberships)
      .values({ tenantId: other.tenant.id, userId: org.member.id, role: 'member' });
    const team = await seedTeam(env.db.db, org.tenant.id, [org.member.id, org.otherMember.id]);
    const otherTeam = await seedTeam(env.db.db, other.tenant.id, [org.member.id]);
    const mine = await seedApiToken(env.db.db, org.tenant.id, { scope: 'user', userId: org.member.id });
    const elsewhere = await seedApiToken(env.db.db, other.tenant.id, {
      scope: 'user',
      userId: org.member.id,
    });
    const colleague = await seedApiToken(env.db.db, org.tenant.id, {
      scope: 'user',
      userId: org.otherMember.id,
    });
    // A proxy has the token's principal cached.
    await env.bus.sharedCache.set(tokenKey(mine.tokenHash), JSON.stringify({ cached: true }), 60);
    const replica = await recordInvalidations(env.newBus());

    // Theirs here: this one and seedOrg's `memberToken`.
    expect(await remove(org, org.actors.admin, org.member.id)).toEqual({
      userId: org.member.id,
      revokedTokens: 2,
    });

    expect(await roleIn(org, org.member.id)).toBeNull();
    expect(await roleIn(other, org.member.id)).toBe('member');
    const teamRows = await env.db.db.select().from(teamMembers).where(eq(teamMembers.userId, org.member.id));
    expect(teamRows.map((r) => r.teamId)).toEqual([otherTeam.id]);
    const colleagues = await env.db.db.select().from(teamMembers).where(eq(teamMembers.teamId, team.id));
    expect(colleagues.map((r) => r.userId)).toEqual([org.otherMember.id]);

    const revokedAt = async (id: string) =>
      (await env.db.db.select({ r: apiTokens.revokedAt }).from(apiTokens).where(eq(apiTokens.id, id)))[0]!.r;
    expect(await revokedAt(mine.id)).toBeInstanceOf(Date);
    expect(await revokedAt(elsewhere.id)).toBeNull();
    expect(await revokedAt(colleague.id)).toBeNull();
    const refused = await failureOf(() =>
      authenticateApiToken({ db: env.db.db, token: mine.token, capability: 'mcp' }),
    );
    expect(refused.code).toBe('UNAUTHORIZED');
    expect(await env.bus.sharedCache.get(tokenKey(mine.tokenHash))).toBeNull();
    await eventually(() =>
      expect(replica.messages).toContainEqual(
        expect.objectContaining({ tenantId: org.tenant.id, tokenHash: mine.tokenHash }),
      ),
    );
    // OAuth and identity-provider callers: the proxies' cached principal goes too.
    await eventually(() =>
      expect(replica.messages).toContainEqual(
        expect.objectContaining({ tenantId: org.tenant.id, userId: org.member.id }),
      ),
    );
    await replica.stop();
  });

  it('lets admins remove members and admins, owners remove owners, and members nobody', async () => {
    const org = await seedOrg(env.db);
    const admin2 = await seedMember(env.db.db, org.tenant.id, 'admin');
    const byMember = await failureOf(() => remove(org, org.actors.member, org.otherMember.id));
    expect(byMember.code).toBe('FORBIDDEN');
    const ownerByAdmin = await failureOf(() => remove(org, org.actors.admin, org.owner.id));
    expect(ownerByAdmin).toMatchObject({ code: 'FORBIDDEN', message: 'Only owners can remove an owner' });

    await remove(org, org.actors.admin, org.otherMember.id);
    await remove(org, org.actors.admin, admin2.id);
    expect(await roleIn(org, org.otherMember.id)).toBeNull();
    expect(await roleIn(org, admin2.id)).toBeNull();

    await change(org, org.actors.owner, org.admin.id, 'owner');
    await remove(org, { userId: org.admin.id, role: 'owner' }, org.owner.id);
    expect(await roleIn(org, org.owner.id)).toBeNull();
    expect(await ownerCount(org)).toBe(1);
  });

  it('never removes the last owner, nor lets them leave', async () => {
    const org = await seedOrg(env.db);
    const removeSelf = await failureOf(() => remove(org, org.actors.owner, org.owner.id));
    expect(removeSelf).toMatchObject({ code: 'CONFLICT', details: { reason: 'last-owner' } });
    const leave = await failureOf(() => leaveWorkspace(as(org, org.actors.owner)));
    expect(leave).toMatchObject({ code: 'CONFLICT', message: LAST_OWNER_LEAVING });
    expect(await roleIn(org, org.owner.id)).toBe('owner');

    // With a second owner, the first may go.
    await change(org, org.actors.owner, org.admin.id, 'owner');
    expect(await leaveWorkspace(as(org, org.actors.owner))).toEqual({
      userId: org.owner.id,
      revokedTokens: 0,
    });
    expect(await roleIn(org, org.owner.id)).toBeNull();
  });

  it('lets anyone else leave, taking their teams and tokens with them', async () => {
    const org = await seedOrg(env.db);
    await seedTeam(env.db.db, org.tenant.id, [org.member.id]);
    const token = await seedApiToken(env.db.db, org.tenant.id, { scope: 'user', userId: org.member.id });
    expect(await leaveWorkspace(as(org, org.actors.member))).toEqual({
      userId: org.member.id,
      revokedTokens: 2,
    });
    expect(await roleIn(org, org.member.id)).toBeNull();
    expect(await env.db.db.$count(teamMembers, eq(teamMembers.userId, org.member.id))).toBe(0);
    const refused = await failureOf(() =>
      authenticateApiToken({ db: env.db.db, token: token.token, capability: 'mcp' }),
    );
    expect(refused.code).toBe('UNAUTHORIZED');
    const again = await failureOf(() => leaveWorkspace(as(org, org.actors.member)));
    expect(again.code).toBe('NOT_FOUND');
  });
});

describe('tenant isolation', () => {
  it("never changes or removes another workspace's members", async () => {
    const a = await seedOrg(env.db);
    const b = await seedOrg(env.db);
    for (const who of ['owner', 'admin'] as const) {
      for (const target of [b.member.id, b.owner.id]) {
        const changed = await failureOf(() => change(a, a.actors[who], target, 'admin'));
        expect(changed).toMatchObject({ code: 'NOT_FOUND', message: 'Member not found' });
        const removed = await failureOf(() => remove(a, a.actors[who], target));
        expect(removed.code).toBe('NOT_FOUND');
      }
    }
    expect(await roleIn(b, b.member.id)).toBe('member');
    expect(await roleIn(b, b.owner.id)).toBe('owner');
  });
});
