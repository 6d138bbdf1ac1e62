import { tokenKey, userPrincipalKey } from '@toolgate/bus';
import { teamMembers } from '@toolgate/db/schema';
import { seedApiToken, seedMember, seedTeam, seedUser } from '@toolgate/db/testing';
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
import { ONLY_MANAGERS, TEAM_NOT_FOUND } from '../team-access.ts';
import { addTeamMember, ALREADY_IN_TEAM } from './add-team-member.ts';
import { changeTeamMemberRole, NOT_IN_TEAM } from './change-team-member-role.ts';
import { getTeam } from './get-team.ts';
import { listTeamMembers } from './list-team-members.ts';
import { removeMember } from './remove-member.ts';
import { removeTeamMember } from './remove-team-member.ts';

let env: ApiTestEnv;

beforeAll(async () => {
  env = await createApiTestEnv();
});
afterAll(async () => {
  await env?.close();
});

const as = (org: SeededOrg, actor: Actor) => ({
  db: env.db.db,
  bus: env.bus,
  tenantId: org.tenant.id,
  actor,
});
const add = (org: SeededOrg, actor: Actor, teamId: string, userId: string, role?: 'member' | 'maintainer') =>
  addTeamMember({ ...as(org, actor), teamId, input: { userId, ...(role ? { role } : {}) } });
const setRole = (
  org: SeededOrg,
  actor: Actor,
  teamId: string,
  userId: string,
  role: 'member' | 'maintainer',
) => changeTeamMemberRole({ ...as(org, actor), teamId, input: { userId, role } });
const remove = (org: SeededOrg, actor: Actor, teamId: string, userId: string) =>
  removeTeamMember({ ...as(org, actor), teamId, input: { userId } });
const list = (org: SeededOrg, actor: Actor, teamId: string) => listTeamMembers({ ...as(org, actor), teamId });
const rowsOf = (teamId: string) =>
  env.db.db
    .select({ userId: teamMembers.userId, role: teamMembers.role })
    .from(teamMembers)
    .where(eq(teamMembers.teamId, teamId));
const teamRoleOf = async (teamId: string, userId: string) =>
  (
    await env.db.db
      .select({ role: teamMembers.role })
      .from(teamMembers)
      .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
  )[0]?.role ?? null;

/** An org and a team in it whose maintainer is `org.member`, with `org.otherMember` outside it. */
async function orgWithTeam() {
  const org = await seedOrg(env.db);
  const team = await seedTeam(env.db.db, org.tenant.id);
  await env.db.db
    .insert(teamMembers)
    .values({ tenantId: org.tenant.id, teamId: team.id, userId: org.member.id, role: 'maintainer' });
  return { org, team };
}

describe('adding team members', () => {
  it('lets an admin add a workspace member, and tells every proxy replica at once', async () => {
    const { org, team } = await orgWithTeam();
    const personal = await seedApiToken(env.db.db, org.tenant.id, {
      scope: 'user',
      userId: org.otherMember.id,
    });
    // A replica has the user's principal and their personal token's principal cached, teams and all.
    await env.bus.sharedCache.set(userPrincipalKey(org.tenant.id, org.otherMember.id), '{"teamIds":[]}', 60);
    await env.bus.sharedCache.set(tokenKey(personal.tokenHash), '{"teamIds":[]}', 60);
    const replica = await recordInvalidations(env.newBus());
    try {
      const added = await add(org, org.actors.admin, team.id, org.otherMember.id);
      expect(added).toMatchObject({
        userId: org.otherMember.id,
        email: org.otherMember.email,
        role: 'member',
        workspaceRole: 'member',
      });
      expect(await teamRoleOf(team.id, org.otherMember.id)).toBe('member');
      expect(await env.bus.sharedCache.get(userPrincipalKey(org.tenant.id, org.otherMember.id))).toBeNull();
      expect(await env.bus.sharedCache.get(tokenKey(personal.tokenHash))).toBeNull();
      await eventually(() => {
        expect(replica.messages).toContainEqual({
          kind: 'user',
          tenantId: org.tenant.id,
          userId: org.otherMember.id,
          reason: 'member changed',
        });
        expect(replica.messages).toContainEqual({
          kind: 'token',
          tenantId: org.tenant.id,
          tokenHash: personal.tokenHash,
          reason: 'member changed',
        });
      });
    } finally {
      await replica.stop();
    }
  });

  it('lets a maintainer add to their own team, as member or maintainer, and no other team', async () => {
    const { org, team } = await orgWithTeam();
    const maintainer: Actor = org.actors.member;
    const newcomer = await seedMember(env.db.db, org.tenant.id);
    expect((await add(org, maintainer, team.id, org.otherMember.id)).role).toBe('member');
    expect((await add(org, maintainer, team.id, newcomer.id, 'maintainer')).role).toBe('maintainer');
    // Another team they are not in does not exist for them…
    const elsewhere = await seedTeam(env.db.db, org.tenant.id);
    const hidden = await failureOf(() => add(org, maintainer, elsewhere.id, org.otherMember.id));
    expect(hidden).toMatchObject({ code: 'NOT_FOUND', message: TEAM_NOT_FOUND });
    // …and one they are a plain member of is read-only.
    const plain = await seedTeam(env.db.db, org.tenant.id, [org.member.id]);
    const refused = await failureOf(() => add(org, maintainer, plain.id, org.otherMember.id));
    expect(refused).toMatchObject({ code: 'FORBIDDEN', message: ONLY_MANAGERS });
    expect(await rowsOf(plain.id)).toEqual([{ userId: org.member.id, role: 'member' }]);
  });

  it('refuses plain members, and judges a maintainer by their current team role', async () => {
    const { org, team } = await orgWithTeam();
    await setRole(org, org.actors.admin, team.id, org.member.id, 'member');
    const err = await failureOf(() => add(org, org.actors.member, team.id, org.otherMember.id));
    expect(err).toMatchObject({ code: 'FORBIDDEN', message: ONLY_MANAGERS });
    expect(await teamRoleOf(team.id, org.otherMember.id)).toBeNull();
  });

  it('accepts only members of the workspace, and says so on the field', async () => {
    const { org, team } = await orgWithTeam();
    const stranger = await seedUser(env.db.db);
    const b = await seedOrg(env.db);
    for (const userId of [stranger.id, b.member.id, crypto.randomUUID()]) {
      const err = await failureOf(() => add(org, org.actors.admin, team.id, userId));
      expect(err).toMatchObject({ code: 'NOT_FOUND', details: { fields: [{ path: 'userId' }] } });
    }
    expect(await rowsOf(team.id)).toHaveLength(1);
  });

  it('answers CONFLICT for someone already in the team and leaves their role alone', async () => {
    const { org, team } = await orgWithTeam();
    const err = await failureOf(() => add(org, org.actors.admin, team.id, org.member.id, 'member'));
    expect(err).toMatchObject({
      code: 'CONFLICT',
      message: ALREADY_IN_TEAM,
      details: { reason: 'already-in-team' },
    });
    expect(await teamRoleOf(team.id, org.member.id)).toBe('maintainer');
  });

  it("cannot add to another workspace's team, or add another workspace's team to this one", async () => {
    const { org: a, team: teamA } = await orgWithTeam();
    const { org: b, team: teamB } = await orgWithTeam();
    const intoTheirs = await failureOf(() => add(a, a.actors.owner, teamB.id, a.otherMember.id));
    expect(intoTheirs).toMatchObject({ code: 'NOT_FOUND', message: TEAM_NOT_FOUND });
    const theirMember = await failureOf(() => add(a, a.actors.owner, teamA.id, b.otherMember.id));
    expect(theirMember.code).toBe('NOT_FOUND');
    expect(await rowsOf(teamB.id)).toEqual([{ userId: b.member.id, role: 'maintainer' }]);
  });

  it('never leaves a team member who is no longer in the workspace, whatever the order', async () => {
    const { org, team } = await orgWithTeam();
    const results = await Promise.allSettled([
      add(org, org.actors.admin, team.id, org.otherMember.id),
      removeMember({ ...as(org, org.actors.admin), input: { userId: org.otherMember.id } }),
    ]);
    expect(results[1]).toMatchObject({ status: 'fulfilled' });
    expect(await teamRoleOf(team.id, org.otherMember.id)).toBeNull();
  });
});

describe('team roles and removal', () => {
  it('lets a maintainer promote and demote, themselves included; plain members change nothing', async () => {
    const { org, team } = await orgWithTeam();
    await add(org, org.actors.admin, team.id, org.otherMember.id);
    const promoted = await setRole(org, org.actors.member, team.id, org.otherMember.id, 'maintainer');
    expect(promoted).toMatchObject({ userId: org.otherMember.id, role: 'maintainer' });
    await setRole(org, org.actors.member, team.id, org.member.id, 'member');
    expect(await teamRoleOf(team.id, org.member.id)).toBe('member');
    const err = await failureOf(() => setRole(org, org.actors.member, team.id, org.member.id, 'maintainer'));
    expect(err).toMatchObject({ code: 'FORBIDDEN', message: ONLY_MANAGERS });
    // An owner manages every team without being in it.
    await setRole(org, org.actors.owner, team.id, org.member.id, 'maintainer');
    expect(await teamRoleOf(team.id, org.member.id)).toBe('maintainer');
  });

  it('answers NOT_FOUND for someone not in the team, another tenant and invalid roles', async () => {
    const { org, team } = await orgWithTeam();
    const b = await seedOrg(env.db);
    const outside = await failureOf(() =>
      setRole(org, org.actors.admin, team.id, org.otherMember.id, 'member'),
    );
    expect(outside).toMatchObject({ code: 'NOT_FOUND', message: NOT_IN_TEAM });
    const crossTenant = await failureOf(() => setRole(b, b.actors.owner, team.id, org.member.id, 'member'));
    expect(crossTenant).toMatchObject({ code: 'NOT_FOUND', message: TEAM_NOT_FOUND });
    expect(await teamRoleOf(team.id, org.member.id)).toBe('maintainer');
    const invalid = await failureOf(() =>
      setRole(org, org.actors.admin, team.id, org.member.id, 'owner' as 'member'),
    );
    expect(invalid.code).toBe('INVALID');
  });

  it('removes a member on every replica at once; they stay in the workspace', async () => {
    const { org, team } = await orgWithTeam();
    await add(org, org.actors.admin, team.id, org.otherMember.id);
    await env.bus.sharedCache.set(userPrincipalKey(org.tenant.id, org.otherMember.id), '{}', 60);
    const replica = await recordInvalidations(env.newBus());
    try {
      expect(await remove(org, org.actors.member, team.id, org.otherMember.id)).toEqual({
        teamId: team.id,
        userId: org.otherMember.id,
      });
      expect(await teamRoleOf(team.id, org.otherMember.id)).toBeNull();
      expect(await env.bus.sharedCache.get(userPrincipalKey(org.tenant.id, org.otherMember.id))).toBeNull();
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'user',
          tenantId: org.tenant.id,
          userId: org.otherMember.id,
          reason: 'member changed',
        }),
      );
      expect((await list(org, org.actors.admin, team.id)).map((m) => m.userId)).toEqual([org.member.id]);
    } finally {
      await replica.stop();
    }
  });

  it('lets anyone leave a team, but only managers remove others', async () => {
    const { org, team } = await orgWithTeam();
    await add(org, org.actors.admin, team.id, org.otherMember.id);
    const newcomer = await seedMember(env.db.db, org.tenant.id);
    await add(org, org.actors.admin, team.id, newcomer.id);
    const plain: Actor = org.actors.otherMember;
    const err = await failureOf(() => remove(org, plain, team.id, newcomer.id));
    expect(err).toMatchObject({ code: 'FORBIDDEN', message: ONLY_MANAGERS });
    await remove(org, plain, team.id, org.otherMember.id);
    expect(await teamRoleOf(team.id, org.otherMember.id)).toBeNull();
    // Out of the team, the team is out of sight.
    const gone = await failureOf(() => remove(org, plain, team.id, newcomer.id));
    expect(gone.code).toBe('NOT_FOUND');
  });

  it("cannot remove from another tenant's team; someone not in it is NOT_FOUND", async () => {
    const { org, team } = await orgWithTeam();
    const b = await seedOrg(env.db);
    const crossTenant = await failureOf(() => remove(b, b.actors.owner, team.id, org.member.id));
    expect(crossTenant).toMatchObject({ code: 'NOT_FOUND', message: TEAM_NOT_FOUND });
    expect(await teamRoleOf(team.id, org.member.id)).toBe('maintainer');
    const notIn = await failureOf(() => remove(org, org.actors.admin, team.id, org.otherMember.id));
    expect(notIn).toMatchObject({ code: 'NOT_FOUND', message: NOT_IN_TEAM });
  });
});

describe('reading teams', () => {
  it('shows every team to owners and admins, and members only the teams they are in', async () => {
    const { org, team } = await orgWithTeam();
    expect((await list(org, org.actors.admin, team.id)).map((m) => [m.userId, m.role])).toEqual([
      [org.member.id, 'maintainer'],
    ]);
    expect(await getTeam({ ...as(org, org.actors.member), teamId: team.id })).toMatchObject({
      id: team.id,
      slug: team.slug,
      memberCount: 1,
    });
    for (const read of [
      () => list(org, org.actors.otherMember, team.id),
      () => getTeam({ ...as(org, org.actors.otherMember), teamId: team.id }),
    ]) {
      expect(await failureOf(read)).toMatchObject({ code: 'NOT_FOUND', message: TEAM_NOT_FOUND });
    }
  });

  it("lets a team token read its own team only; another tenant's team is NOT_FOUND", async () => {
    const { org, team } = await orgWithTeam();
    const other = await seedTeam(env.db.db, org.tenant.id);
    const token = await seedApiToken(env.db.db, org.tenant.id, { scope: 'team', teamId: team.id });
    const teamToken: Actor = { userId: null, role: 'member', tokenId: token.id };
    expect(await list(org, teamToken, team.id)).toHaveLength(1);
    expect((await failureOf(() => list(org, teamToken, other.id))).code).toBe('NOT_FOUND');
    const b = await seedOrg(env.db);
    for (const read of [
      () => list(b, b.actors.owner, team.id),
      () => getTeam({ ...as(b, b.actors.owner), teamId: team.id }),
    ]) {
      expect((await failureOf(read)).code).toBe('NOT_FOUND');
    }
  });

  it('lists only people still in the workspace', async () => {
    const { org, team } = await orgWithTeam();
    await add(org, org.actors.admin, team.id, org.otherMember.id);
    await removeMember({ ...as(org, org.actors.admin), input: { userId: org.otherMember.id } });
    expect((await list(org, org.actors.admin, team.id)).map((m) => m.userId)).toEqual([org.member.id]);
  });
});
