import { getErrorShape, type TRPCError } from '@trpc/server';
import { memberships, teamMembers } from '@toolgate/db/schema';
import { createTestDatabase, seedMember, seedTeam, type TestDatabase } from '@toolgate/db/testing';
import { and, eq } from 'drizzle-orm';
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

/** What the browser receives for an error: the formatted shape's `data` (its `fields`). */
const fieldsOf = (err: TRPCError) =>
  getErrorShape({
    config: appRouter._def._config,
    error: err,
    type: 'mutation',
    path: 'test',
    input: undefined,
    ctx: undefined,
  }).data.fields as Record<string, string> | null;

/** Workspace A with its owner, an admin and a member; workspace B with its owner. */
async function world() {
  const suffix = crypto.randomUUID().slice(0, 8);
  const a = await signUpWorkspace(db.db, 'A', suffix);
  const b = await signUpWorkspace(db.db, 'B', suffix);
  const admin = await seedMember(db.db, a.tenantId, 'admin');
  const member = await seedMember(db.db, a.tenantId, 'member');
  return { suffix, a, b, admin, member };
}

const roleIn = async (tenantId: string, userId: string) =>
  (
    await db.db
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)))
  )[0]?.role;

describe('workspace over tRPC', () => {
  it('is renamed by an admin; the new slug answers and the old one is gone', async () => {
    const { suffix, a, admin } = await world();
    const slug = `renamed-${suffix}`;
    const renamed = await (
      await callerFor(admin.id, a.tenantSlug)
    ).workspace.rename({ name: 'Renamed A', slug });
    expect(renamed).toEqual({ id: a.tenantId, name: 'Renamed A', slug });
    expect((await (await callerFor(admin.id, slug)).members.list()).map((m) => m.userId)).toContain(admin.id);
    const old = await trpcError((await callerFor(admin.id, a.tenantSlug)).members.list());
    expect(old.code).toBe('NOT_FOUND');
  });

  it('refuses bad, reserved and taken slugs with sentences under the field, and members', async () => {
    const { a, b, admin, member } = await world();
    const caller = await callerFor(admin.id, a.tenantSlug);
    const tooLong = await trpcError(caller.workspace.rename({ slug: 'x'.repeat(41) }));
    expect(fieldsOf(tooLong)).toEqual({ slug: 'Must be at most 40 characters' });
    const reserved = await trpcError(caller.workspace.rename({ slug: 'api' }));
    expect(fieldsOf(reserved)).toEqual({ slug: 'This URL is reserved, choose another' });
    const empty = await trpcError(caller.workspace.rename({ name: '   ' }));
    expect(fieldsOf(empty)).toEqual({ name: 'Must not be empty' });
    const taken = await trpcError(caller.workspace.rename({ slug: b.tenantSlug }));
    expect(taken.code).toBe('CONFLICT');
    expect(fieldsOf(taken)).toEqual({ slug: 'This workspace URL is taken, choose another' });
    const refused = await trpcError(
      (await callerFor(member.id, a.tenantSlug)).workspace.rename({ name: 'Mine' }),
    );
    expect(refused.code).toBe('FORBIDDEN');
    // B's owner naming A's workspace is not a member there.
    const foreign = await trpcError(
      (await callerFor(b.userId, a.tenantSlug)).workspace.rename({ name: 'Ours' }),
    );
    expect(foreign.code).toBe('NOT_FOUND');
  });

  it('is handed over by its owner only, to a member of it', async () => {
    const { a, b, admin, member } = await world();
    const byAdmin = await trpcError(
      (await callerFor(admin.id, a.tenantSlug)).workspace.transferOwnership({ userId: member.id }),
    );
    expect(byAdmin.code).toBe('FORBIDDEN');
    const owner = await callerFor(a.userId, a.tenantSlug);
    const stranger = await trpcError(owner.workspace.transferOwnership({ userId: b.userId }));
    expect(stranger.code).toBe('NOT_FOUND');
    expect(fieldsOf(stranger)).toEqual({ userId: 'Not a member of this workspace' });
    expect(await owner.workspace.transferOwnership({ userId: member.id })).toEqual({ ownerId: member.id });
    expect(await roleIn(a.tenantId, member.id)).toBe('owner');
    expect(await roleIn(a.tenantId, a.userId)).toBe('admin');
    expect(await roleIn(b.tenantId, b.userId)).toBe('owner');
  });

  it('is deleted by its owner typing its slug; then it is gone for everyone', async () => {
    const { a, b, admin } = await world();
    const byAdmin = await trpcError(
      (await callerFor(admin.id, a.tenantSlug)).workspace.delete({ confirmSlug: a.tenantSlug }),
    );
    expect(byAdmin.code).toBe('FORBIDDEN');
    const owner = await callerFor(a.userId, a.tenantSlug);
    const mistyped = await trpcError(owner.workspace.delete({ confirmSlug: `${a.tenantSlug}x` }));
    expect(fieldsOf(mistyped)).toEqual({ confirmSlug: `Type "${a.tenantSlug}" to confirm` });
    const foreign = await trpcError(
      (await callerFor(b.userId, a.tenantSlug)).workspace.delete({ confirmSlug: a.tenantSlug }),
    );
    expect(foreign.code).toBe('NOT_FOUND');
    expect(await owner.workspace.delete({ confirmSlug: a.tenantSlug })).toEqual({ id: a.tenantId });
    for (const userId of [a.userId, admin.id])
      expect((await trpcError((await callerFor(userId, a.tenantSlug)).members.list())).code).toBe(
        'NOT_FOUND',
      );
    expect(await (await callerFor(b.userId, b.tenantSlug)).members.list()).toHaveLength(1);
  });
});

describe('team maintainers over tRPC', () => {
  it("list their teams and create and revoke the team's tokens; plain members may not", async () => {
    const { a, b, member } = await world();
    const maintainer = await seedMember(db.db, a.tenantId, 'member');
    const team = await seedTeam(db.db, a.tenantId, [member.id]);
    await db.db
      .insert(teamMembers)
      .values({ tenantId: a.tenantId, teamId: team.id, userId: maintainer.id, role: 'maintainer' });
    const asMaintainer = await callerFor(maintainer.id, a.tenantSlug);
    const asMember = await callerFor(member.id, a.tenantSlug);
    expect(await asMaintainer.teams.maintained()).toEqual([team.id]);
    expect(await asMember.teams.maintained()).toEqual([]);

    const created = await asMaintainer.tokens.create({ name: 'Team bot', scope: 'team', teamId: team.id });
    expect(created).toMatchObject({ scope: 'team', teamId: team.id });
    const refused = await trpcError(asMember.tokens.create({ name: 'Mine', scope: 'team', teamId: team.id }));
    expect(refused.code).toBe('FORBIDDEN');
    expect((await trpcError(asMember.tokens.revoke({ id: created.id }))).code).toBe('NOT_FOUND');
    // Another workspace's owner cannot reach it either.
    const foreign = await trpcError(
      (await callerFor(b.userId, b.tenantSlug)).tokens.revoke({ id: created.id }),
    );
    expect(foreign.code).toBe('NOT_FOUND');
    expect((await asMaintainer.tokens.revoke({ id: created.id })).revokedAt).not.toBeNull();
  });
});
