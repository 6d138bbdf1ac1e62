import { getErrorShape, type TRPCError } from '@trpc/server';
import {
  createTestDatabase,
  seedInstallation,
  seedMember,
  seedRegistryEntry,
  seedTeam,
  type TestDatabase,
} from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { appRouter } from './root.ts';
import { callerAs, signUpWorkspace, testServices, trpcError } from './testing/trpc-test-env.ts';

let db: TestDatabase;
const services = testServices();

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await db?.destroy();
});

const callerFor = (userId: string, tenantSlug: string) => callerAs(db.db, services, userId, tenantSlug);

/** What the browser receives for an error: the formatted shape's `data` (fields, details). */
const errorData = (err: TRPCError) =>
  getErrorShape({
    config: appRouter._def._config,
    error: err,
    type: 'mutation',
    path: 'test',
    input: undefined,
    ctx: undefined,
  }).data;

/**
 * Workspace A: its owner, an admin, two members (`inTeam` is in team `team`, `outside` in no
 * team) and a second team nobody is in. Workspace B: its owner and a team.
 */
async function world() {
  const suffix = crypto.randomUUID().slice(0, 8);
  const a = await signUpWorkspace(db.db, 'A', suffix);
  const b = await signUpWorkspace(db.db, 'B', suffix);
  const admin = await seedMember(db.db, a.tenantId, 'admin');
  const inTeam = await seedMember(db.db, a.tenantId, 'member');
  const outside = await seedMember(db.db, a.tenantId, 'member');
  const team = await seedTeam(db.db, a.tenantId, [inTeam.id]);
  const otherTeam = await seedTeam(db.db, a.tenantId);
  const teamB = await seedTeam(db.db, b.tenantId);
  return {
    a,
    b,
    admin,
    inTeam,
    outside,
    team,
    otherTeam,
    teamB,
    as: {
      owner: await callerFor(a.userId, a.tenantSlug),
      admin: await callerFor(admin.id, a.tenantSlug),
      inTeam: await callerFor(inTeam.id, a.tenantSlug),
      outside: await callerFor(outside.id, a.tenantSlug),
      ownerB: await callerFor(b.userId, b.tenantSlug),
      /** B's owner naming workspace A: not a member there. */
      intruder: await callerFor(b.userId, a.tenantSlug),
    },
  };
}

describe('teams.list', () => {
  it('shows owners and admins every team, and a member only the teams they are in', async () => {
    const w = await world();
    const all = [w.team.id, w.otherTeam.id].sort();
    expect((await w.as.owner.teams.list()).map((t) => t.id).sort()).toEqual(all);
    expect((await w.as.admin.teams.list()).map((t) => t.id).sort()).toEqual(all);
    expect((await w.as.inTeam.teams.list()).map((t) => t.id)).toEqual([w.team.id]);
    expect(await w.as.outside.teams.list()).toEqual([]);
    // B's team is nowhere in A, and A's teams are not B's owner's to list.
    expect((await w.as.ownerB.teams.list()).map((t) => t.id)).toEqual([w.teamB.id]);
    expect((await trpcError(w.as.intruder.teams.list())).code).toBe('NOT_FOUND');
  });
});

describe('teams.get and teams.members', () => {
  it('lets a member read a team they are in, with each member and their team role', async () => {
    const w = await world();
    expect(await w.as.inTeam.teams.get({ teamId: w.team.id })).toMatchObject({
      id: w.team.id,
      name: w.team.name,
      memberCount: 1,
    });
    expect(await w.as.inTeam.teams.members({ teamId: w.team.id })).toEqual([
      expect.objectContaining({ userId: w.inTeam.id, role: 'member', workspaceRole: 'member' }),
    ]);
  });

  it('answers NOT_FOUND for a team the member is not in, and for another workspace’s team', async () => {
    const w = await world();
    for (const attempt of [
      () => w.as.outside.teams.get({ teamId: w.team.id }),
      () => w.as.outside.teams.members({ teamId: w.team.id }),
      () => w.as.owner.teams.get({ teamId: w.teamB.id }),
      () => w.as.owner.teams.members({ teamId: w.teamB.id }),
      () => w.as.intruder.teams.get({ teamId: w.team.id }),
      () => w.as.intruder.teams.members({ teamId: w.team.id }),
    ]) {
      expect((await trpcError(attempt())).code).toBe('NOT_FOUND');
    }
  });
});

describe('adding, re-roling and removing team members', () => {
  it('lets an admin add a member, make them a maintainer who then manages the team, and remove them', async () => {
    const w = await world();
    const added = await w.as.admin.teams.addMember({ teamId: w.team.id, userId: w.outside.id });
    expect(added).toMatchObject({ userId: w.outside.id, role: 'member', workspaceRole: 'member' });
    // Now in the team: they see it.
    expect((await w.as.outside.teams.list()).map((t) => t.id)).toEqual([w.team.id]);

    // A plain team member may not manage the team.
    const refused = await trpcError(
      w.as.outside.teams.changeMemberRole({ teamId: w.team.id, userId: w.inTeam.id, role: 'maintainer' }),
    );
    expect(refused.code).toBe('FORBIDDEN');
    expect(
      (await trpcError(w.as.outside.teams.removeMember({ teamId: w.team.id, userId: w.inTeam.id }))).code,
    ).toBe('FORBIDDEN');

    await expect(
      w.as.admin.teams.changeMemberRole({ teamId: w.team.id, userId: w.outside.id, role: 'maintainer' }),
    ).resolves.toMatchObject({ userId: w.outside.id, role: 'maintainer' });
    // As maintainer: manages this team's members, but not the team itself.
    await expect(
      w.as.outside.teams.changeMemberRole({ teamId: w.team.id, userId: w.inTeam.id, role: 'maintainer' }),
    ).resolves.toMatchObject({ role: 'maintainer' });
    expect((await trpcError(w.as.outside.teams.update({ teamId: w.team.id, name: 'Mine now' }))).code).toBe(
      'FORBIDDEN',
    );

    await expect(w.as.owner.teams.removeMember({ teamId: w.team.id, userId: w.outside.id })).resolves.toEqual(
      { teamId: w.team.id, userId: w.outside.id },
    );
    expect(await w.as.outside.teams.list()).toEqual([]);
    expect((await w.as.owner.teams.members({ teamId: w.team.id })).map((m) => m.userId)).toEqual([
      w.inTeam.id,
    ]);
  });

  it('refuses a member who is not in the team, someone already in it, and a stranger, naming the field', async () => {
    const w = await world();
    expect(
      (await trpcError(w.as.outside.teams.addMember({ teamId: w.team.id, userId: w.outside.id }))).code,
    ).toBe('NOT_FOUND');
    expect(
      (await trpcError(w.as.inTeam.teams.addMember({ teamId: w.team.id, userId: w.outside.id }))).code,
    ).toBe('FORBIDDEN');

    const twice = await trpcError(w.as.admin.teams.addMember({ teamId: w.team.id, userId: w.inTeam.id }));
    expect(twice.code).toBe('CONFLICT');
    expect(errorData(twice)).toMatchObject({
      fields: { userId: 'This person is already in the team; change their team role instead' },
      details: { reason: 'already-in-team' },
    });
    // B's owner is no member of A: cannot be added to A's team.
    const stranger = await trpcError(w.as.admin.teams.addMember({ teamId: w.team.id, userId: w.b.userId }));
    expect(stranger.code).toBe('NOT_FOUND');
    expect(errorData(stranger).fields).toEqual({
      userId: 'Is not a member of this workspace; invite them first',
    });
  });

  it('lets anyone leave a team they are in', async () => {
    const w = await world();
    await w.as.inTeam.teams.removeMember({ teamId: w.team.id, userId: w.inTeam.id });
    expect(await w.as.inTeam.teams.list()).toEqual([]);
  });

  it("reaches nothing of another workspace's teams", async () => {
    const w = await world();
    const bMember = await seedMember(db.db, w.b.tenantId, 'member');
    for (const attempt of [
      () => w.as.owner.teams.addMember({ teamId: w.teamB.id, userId: w.inTeam.id }),
      () => w.as.owner.teams.addMember({ teamId: w.teamB.id, userId: bMember.id }),
      () => w.as.owner.teams.changeMemberRole({ teamId: w.teamB.id, userId: bMember.id, role: 'maintainer' }),
      () => w.as.owner.teams.removeMember({ teamId: w.teamB.id, userId: bMember.id }),
      () => w.as.intruder.teams.addMember({ teamId: w.team.id, userId: w.b.userId }),
      () => w.as.intruder.teams.removeMember({ teamId: w.team.id, userId: w.inTeam.id }),
    ]) {
      expect((await trpcError(attempt())).code).toBe('NOT_FOUND');
    }
    expect((await w.as.owner.teams.members({ teamId: w.team.id })).map((m) => m.userId)).toEqual([
      w.inTeam.id,
    ]);
  });
});

describe('teams.update', () => {
  it('lets owners and admins rename a team; members may not; field messages are sentences', async () => {
    const w = await world();
    await expect(w.as.admin.teams.update({ teamId: w.team.id, name: 'Platform' })).resolves.toMatchObject({
      id: w.team.id,
      name: 'Platform',
      slug: w.team.slug,
    });
    expect((await trpcError(w.as.inTeam.teams.update({ teamId: w.team.id, name: 'Ours' }))).code).toBe(
      'FORBIDDEN',
    );
    const tooLong = await trpcError(w.as.owner.teams.update({ teamId: w.team.id, name: 'x'.repeat(101) }));
    expect(tooLong.code).toBe('BAD_REQUEST');
    expect(errorData(tooLong).fields).toEqual({ name: 'Use at most 100 characters' });

    const taken = await trpcError(w.as.owner.teams.update({ teamId: w.team.id, slug: w.otherTeam.slug }));
    expect(taken.code).toBe('CONFLICT');
    expect(errorData(taken).fields).toHaveProperty('slug');

    expect((await trpcError(w.as.owner.teams.update({ teamId: w.teamB.id, name: 'Taken over' }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await trpcError(w.as.intruder.teams.update({ teamId: w.team.id, name: 'Taken' }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await w.as.ownerB.teams.get({ teamId: w.teamB.id })).name).toBe(w.teamB.name);
  });
});

describe('teams.delete', () => {
  it('deletes an unused team for an admin, never for a member or another workspace', async () => {
    const w = await world();
    expect((await trpcError(w.as.inTeam.teams.delete({ teamId: w.team.id }))).code).toBe('FORBIDDEN');
    expect((await trpcError(w.as.owner.teams.delete({ teamId: w.teamB.id }))).code).toBe('NOT_FOUND');
    expect((await trpcError(w.as.intruder.teams.delete({ teamId: w.team.id }))).code).toBe('NOT_FOUND');
    await expect(w.as.admin.teams.delete({ teamId: w.team.id })).resolves.toMatchObject({
      id: w.team.id,
      detached: { gateways: [], installations: [], tokens: [] },
    });
    expect((await trpcError(w.as.owner.teams.get({ teamId: w.team.id }))).code).toBe('NOT_FOUND');
    await expect(w.as.ownerB.teams.get({ teamId: w.teamB.id })).resolves.toMatchObject({ id: w.teamB.id });
  });

  it('names what uses the team in the error details, and detaches it when asked', async () => {
    const w = await world();
    const gateway = await w.as.owner.gateways.create({
      slug: 'shared',
      name: 'Shared',
      visibility: 'teams',
      teamIds: [w.team.id, w.otherTeam.id],
    });
    const entry = await seedRegistryEntry(db.db, w.a.tenantId);
    const installation = await seedInstallation(db.db, w.a.tenantId, entry.id, {
      scope: 'team',
      teamId: w.team.id,
      name: 'Team copy',
    });
    const token = await w.as.owner.tokens.create({ name: 'team-ci', scope: 'team', teamId: w.team.id });

    const inUse = await trpcError(w.as.owner.teams.delete({ teamId: w.team.id }));
    expect(inUse.code).toBe('CONFLICT');
    expect(errorData(inUse).details).toEqual({
      reason: 'team-in-use',
      gateways: [{ id: gateway.id, slug: 'shared', name: 'Shared' }],
      installations: [{ id: installation.id, name: 'Team copy', registryEntryId: entry.id, pinnedBy: [] }],
      tokens: [{ id: token.id, name: 'team-ci' }],
    });

    const deleted = await w.as.owner.teams.delete({ teamId: w.team.id, detach: true });
    expect(deleted.detached.gateways.map((g) => g.id)).toEqual([gateway.id]);
    expect((await w.as.owner.gateways.get({ id: gateway.id })).teamIds).toEqual([w.otherTeam.id]);
  });

  it('refuses to leave a gateway shared with nobody, even when detaching', async () => {
    const w = await world();
    await w.as.owner.gateways.create({
      slug: 'only-team',
      name: 'Only team',
      visibility: 'teams',
      teamIds: [w.team.id],
    });
    const stranded = await trpcError(w.as.owner.teams.delete({ teamId: w.team.id, detach: true }));
    expect(stranded.code).toBe('CONFLICT');
    expect(errorData(stranded).details).toMatchObject({
      reason: 'last-team-of-gateway',
      gateways: [expect.objectContaining({ slug: 'only-team' })],
    });
    await expect(w.as.owner.teams.get({ teamId: w.team.id })).resolves.toMatchObject({ id: w.team.id });
  });
});
