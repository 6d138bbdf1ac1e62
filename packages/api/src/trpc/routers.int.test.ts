import {
  createTestDatabase,
  seedInstallation,
  seedMember,
  seedRegistryEntry,
  seedTeam,
  seedTools,
  type TestDatabase,
} from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { callerAs, signUpWorkspace, testServices, trpcError } from './testing/trpc-test-env.ts';

let db: TestDatabase;
const services = testServices();

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await db?.destroy();
});

const callerFor = (userId: string | null, tenantSlug: string | null) =>
  callerAs(db.db, services, userId, tenantSlug);

/** Two workspaces: A (owner, admin, member) and B (owner), with a team each. */
async function world() {
  const suffix = crypto.randomUUID().slice(0, 8);
  const a = await signUpWorkspace(db.db, 'A', suffix);
  const b = await signUpWorkspace(db.db, 'B', suffix);
  const adminA = await seedMember(db.db, a.tenantId, 'admin');
  const memberA = await seedMember(db.db, a.tenantId, 'member');
  const teamA = await seedTeam(db.db, a.tenantId, [memberA.id]);
  const teamB = await seedTeam(db.db, b.tenantId);
  return { a, b, adminA, memberA, teamA, teamB };
}

describe('me', () => {
  it('returns the user and every workspace they belong to', async () => {
    const { a, b, memberA } = await world();
    await db.pool.query(`insert into memberships (tenant_id, user_id, role) values ($1, $2, 'admin')`, [
      b.tenantId,
      memberA.id,
    ]);

    const me = await (await callerFor(memberA.id, null)).me.get();
    expect(me.user).toEqual({ id: memberA.id, name: null, email: memberA.email, emailVerified: true });
    expect(me.memberships.map((m) => [m.tenantSlug, m.role]).sort()).toEqual(
      [
        [a.tenantSlug, 'member'],
        [b.tenantSlug, 'admin'],
      ].sort(),
    );
  });

  it('refuses a caller without a session', async () => {
    const err = await trpcError((await callerFor(null, null)).me.get());
    expect(err.code).toBe('UNAUTHORIZED');
  });

  it('treats a session whose user was deleted as signed out', async () => {
    const err = await trpcError((await callerFor(crypto.randomUUID(), null)).me.get());
    expect(err.code).toBe('UNAUTHORIZED');
  });
});

describe('members.list', () => {
  it('lists the workspace members with their roles, owner first', async () => {
    const { a, adminA, memberA } = await world();
    const members = await (await callerFor(memberA.id, a.tenantSlug)).members.list();
    expect(members.map((m) => [m.userId, m.role])).toEqual([
      [a.userId, 'owner'],
      [adminA.id, 'admin'],
      [memberA.id, 'member'],
    ]);
    expect(members[0]!.name).toBe('Owner A');
    expect(members[0]!.email).toMatch(/^owner-a-/);
    expect(members[0]!.joinedAt).toBeInstanceOf(Date);
  });

  it("does not let a member of workspace A list workspace B's members", async () => {
    const { a, b } = await world();
    const err = await trpcError((await callerFor(a.userId, b.tenantSlug)).members.list());
    expect(err.code).toBe('NOT_FOUND');
  });

  it('answers an unknown or malformed workspace like a foreign one', async () => {
    const { a } = await world();
    for (const slug of ['no-such-workspace', 'Not a slug', '']) {
      const err = await trpcError((await callerFor(a.userId, slug)).members.list());
      expect(err.code).toBe('NOT_FOUND');
    }
  });

  it('refuses a caller without a session', async () => {
    const { a } = await world();
    const err = await trpcError((await callerFor(null, a.tenantSlug)).members.list());
    expect(err.code).toBe('UNAUTHORIZED');
  });
});

describe('teams', () => {
  it("lists only the workspace's own teams, with member counts", async () => {
    const { a, memberA, teamA } = await world();
    const teams = await (await callerFor(memberA.id, a.tenantSlug)).teams.list();
    expect(teams.map(({ createdAt: _, ...team }) => team)).toEqual([
      { id: teamA.id, slug: teamA.slug, name: teamA.name, memberCount: 1 },
    ]);
    expect(teams[0]!.createdAt).toBeInstanceOf(Date);
  });

  it("does not let a member of workspace A list or create workspace B's teams", async () => {
    const { a, b } = await world();
    const caller = await callerFor(a.userId, b.tenantSlug);
    expect((await trpcError(caller.teams.list())).code).toBe('NOT_FOUND');
    expect((await trpcError(caller.teams.create({ name: 'Intruders' }))).code).toBe('NOT_FOUND');
    const { rows } = await db.pool.query('select 1 from teams where tenant_id = $1 and name = $2', [
      b.tenantId,
      'Intruders',
    ]);
    expect(rows).toHaveLength(0);
  });

  it('lets owners and admins create a team, deriving the slug from the name', async () => {
    const { a, adminA } = await world();
    const byOwner = await (
      await callerFor(a.userId, a.tenantSlug)
    ).teams.create({ name: 'Platform Engineering' });
    expect(byOwner).toMatchObject({
      name: 'Platform Engineering',
      slug: 'platform-engineering',
      memberCount: 0,
    });
    const byAdmin = await (
      await callerFor(adminA.id, a.tenantSlug)
    ).teams.create({ name: 'Data', slug: 'data-team' });
    expect(byAdmin.slug).toBe('data-team');
    const listed = await (await callerFor(adminA.id, a.tenantSlug)).teams.list();
    expect(listed.map((t) => t.slug)).toEqual(expect.arrayContaining(['platform-engineering', 'data-team']));
  });

  it('does not let a plain member create teams', async () => {
    const { a, memberA } = await world();
    const err = await trpcError((await callerFor(memberA.id, a.tenantSlug)).teams.create({ name: 'Rogue' }));
    expect(err.code).toBe('FORBIDDEN');
    const { rows } = await db.pool.query('select 1 from teams where tenant_id = $1 and name = $2', [
      a.tenantId,
      'Rogue',
    ]);
    expect(rows).toHaveLength(0);
  });

  it('refuses a duplicate slug in the same workspace with a field message, but not across workspaces', async () => {
    const { a, b } = await world();
    const ownerA = await callerFor(a.userId, a.tenantSlug);
    await ownerA.teams.create({ name: 'Security' });
    const err = await trpcError(ownerA.teams.create({ name: 'Security' }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe('A team with this slug already exists');

    const ownerB = await callerFor(b.userId, b.tenantSlug);
    expect(await ownerB.teams.create({ name: 'Security' })).toMatchObject({ slug: 'security' });
  });

  it('validates input: a name is required and the slug must be DNS-safe', async () => {
    const { a } = await world();
    const caller = await callerFor(a.userId, a.tenantSlug);
    expect((await trpcError(caller.teams.create({ name: '   ' }))).code).toBe('BAD_REQUEST');
    expect((await trpcError(caller.teams.create({ name: 'Ok', slug: 'No Spaces' }))).code).toBe(
      'BAD_REQUEST',
    );
    // A name with no usable characters leaves no slug to derive: the service says so.
    expect((await trpcError(caller.teams.create({ name: '!!!' }))).code).toBe('UNPROCESSABLE_CONTENT');
  });
});

describe('gateways', () => {
  it("does not let a member of workspace A read workspace B's gateways", async () => {
    const { a, b, memberA } = await world();
    const gatewayB = await (
      await callerFor(b.userId, b.tenantSlug)
    ).gateways.create({ slug: 'secret', name: 'Secret' });
    expect(gatewayB.url).toBe(`http://mcp.test/mcp/${b.tenantSlug}/secret`);

    for (const userId of [a.userId, memberA.id]) {
      const intoB = await callerFor(userId, b.tenantSlug);
      expect((await trpcError(intoB.gateways.list())).code).toBe('NOT_FOUND');
      expect((await trpcError(intoB.gateways.get({ id: gatewayB.id }))).code).toBe('NOT_FOUND');
      // Their own workspace does not see it either, even by id.
      const own = await callerFor(userId, a.tenantSlug);
      expect(await own.gateways.list()).toEqual([]);
      expect((await trpcError(own.gateways.get({ id: gatewayB.id }))).code).toBe('NOT_FOUND');
    }
  });

  it('does not let a plain member create a gateway', async () => {
    const { a, memberA } = await world();
    const err = await trpcError(
      (await callerFor(memberA.id, a.tenantSlug)).gateways.create({ slug: 'rogue', name: 'Rogue' }),
    );
    expect(err.code).toBe('FORBIDDEN');
    const { rows } = await db.pool.query('select 1 from gateways where tenant_id = $1', [a.tenantId]);
    expect(rows).toHaveLength(0);
    // Members can still read what admins create.
    await (await callerFor(a.userId, a.tenantSlug)).gateways.create({ slug: 'dev', name: 'Dev' });
    const listed = await (await callerFor(memberA.id, a.tenantSlug)).gateways.list();
    expect(listed.map((g) => g.slug)).toEqual(['dev']);
  });
});

describe('gateway settings, visibility and assignments', () => {
  it('lets an admin edit every setting; members see only gateways shared with them and change none', async () => {
    const { a, memberA, teamA } = await world();
    const admin = await callerFor(a.userId, a.tenantSlug);
    const member = await callerFor(memberA.id, a.tenantSlug);
    const otherTeam = await seedTeam(db.db, a.tenantId);
    const g = await admin.gateways.create({ slug: 'edit-me', name: 'Edit me' });
    const updated = await admin.gateways.update({
      id: g.id,
      patch: {
        name: 'Edited',
        slug: 'edited',
        description: 'Now with settings',
        visibility: 'teams',
        teamIds: [otherTeam.id],
        clientAuthMethods: ['api_token'],
        toolExposure: 'search',
        headerAllowlist: ['X-Request-Id'],
      },
    });
    expect(updated).toMatchObject({
      name: 'Edited',
      slug: 'edited',
      description: 'Now with settings',
      visibility: 'teams',
      teamIds: [otherTeam.id],
      clientAuthMethods: ['api_token'],
      toolExposure: 'search',
      headerAllowlist: ['x-request-id'],
      url: `http://mcp.test/mcp/${a.tenantSlug}/edited`,
    });
    expect(await admin.gateways.get({ id: g.id })).toEqual(updated);

    // Shared with a team the member is not in: invisible, and not theirs to change either way.
    expect(await member.gateways.list()).toEqual([]);
    expect((await trpcError(member.gateways.get({ id: g.id }))).code).toBe('NOT_FOUND');
    for (const attempt of [
      trpcError(member.gateways.update({ id: g.id, patch: { name: 'mine' } })),
      trpcError(member.gateways.delete({ id: g.id })),
      trpcError(member.gateways.setAssignments({ id: g.id, assignments: [] })),
    ]) {
      expect((await attempt).code).toBe('FORBIDDEN');
    }
    await admin.gateways.update({ id: g.id, patch: { teamIds: [teamA.id] } });
    expect((await member.gateways.list()).map((x) => x.slug)).toEqual(['edited']);

    await admin.gateways.delete({ id: g.id });
    expect((await trpcError(admin.gateways.get({ id: g.id }))).code).toBe('NOT_FOUND');
    expect((await trpcError(admin.gateways.delete({ id: g.id }))).code).toBe('NOT_FOUND');
  });

  it('answers a tool name collision with CONFLICT naming both tools, and saves nothing', async () => {
    const { a } = await world();
    const admin = await callerFor(a.userId, a.tenantSlug);
    const servers = [];
    for (const slug of ['one', 'two']) {
      const entry = await seedRegistryEntry(db.db, a.tenantId, { slug });
      const installation = await seedInstallation(db.db, a.tenantId, entry.id);
      await seedTools(db.db, a.tenantId, installation.id, [{ name: 'search' }]);
      servers.push({ entry, installation });
    }
    const [one, two] = servers as [(typeof servers)[number], (typeof servers)[number]];
    const g = await admin.gateways.create({ slug: 'collide', name: 'Collide' });
    const err = await trpcError(
      admin.gateways.setAssignments({
        id: g.id,
        assignments: [
          { registryEntryId: one.entry.id, toolName: 'search', alias: 'find' },
          { registryEntryId: two.entry.id, toolName: 'search', alias: 'find' },
        ],
      }),
    );
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain('"find"');
    expect(err.message).toContain('one/search');
    expect(err.message).toContain('two/search');
    expect((await admin.gateways.get({ id: g.id })).assignments).toEqual([]);

    // Pinned to an installation, with a description override: saved as given.
    const saved = await admin.gateways.setAssignments({
      id: g.id,
      assignments: [
        { registryEntryId: one.entry.id, toolName: 'search', installationId: one.installation.id },
        { registryEntryId: two.entry.id, toolName: 'search', descriptionOverride: 'Search two' },
        { registryEntryId: two.entry.id, kind: 'resources' },
      ],
    });
    expect(saved.exposedTools).toEqual(['one__search', 'two__search']);
    expect(saved.assignments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ toolName: 'search', installationId: one.installation.id }),
        expect.objectContaining({
          toolName: 'search',
          installationId: null,
          descriptionOverride: 'Search two',
        }),
        expect.objectContaining({ kind: 'resources', toolName: '*' }),
      ]),
    );
  });

  it("does not let workspace A's admin touch workspace B's gateway", async () => {
    const { a, b } = await world();
    const gatewayB = await (
      await callerFor(b.userId, b.tenantSlug)
    ).gateways.create({ slug: 'bees', name: 'B' });
    const adminA = await callerFor(a.userId, a.tenantSlug);
    for (const attempt of [
      trpcError(adminA.gateways.update({ id: gatewayB.id, patch: { name: 'taken over' } })),
      trpcError(adminA.gateways.delete({ id: gatewayB.id })),
      trpcError(adminA.gateways.setAssignments({ id: gatewayB.id, assignments: [] })),
    ]) {
      expect((await attempt).code).toBe('NOT_FOUND');
    }
    expect(await (await callerFor(b.userId, b.tenantSlug)).gateways.get({ id: gatewayB.id })).toEqual(
      gatewayB,
    );
  });
});

describe('tokens', () => {
  it('shows a created token once and lists it by prefix, then revokes it', async () => {
    const { a, memberA } = await world();
    const caller = await callerFor(memberA.id, a.tenantSlug);
    const created = await caller.tokens.create({ name: 'laptop' });
    expect(created.token.startsWith(created.displayPrefix)).toBe(true);
    const listed = await caller.tokens.list();
    expect(listed.map((t) => [t.name, 'token' in t])).toEqual([['laptop', false]]);
    const revoked = await caller.tokens.revoke({ id: created.id });
    expect(revoked.revokedAt).not.toBeNull();
  });

  it('keeps team and org tokens for owners and admins', async () => {
    const { a, adminA, memberA, teamA } = await world();
    const member = await callerFor(memberA.id, a.tenantSlug);
    for (const attempt of [
      trpcError(member.tokens.create({ name: 'x', scope: 'org' })),
      trpcError(member.tokens.create({ name: 'x', scope: 'team', teamId: teamA.id })),
    ]) {
      expect((await attempt).code).toBe('FORBIDDEN');
    }
    const admin = await callerFor(adminA.id, a.tenantSlug);
    const teamToken = await admin.tokens.create({
      name: 'ci',
      scope: 'team',
      teamId: teamA.id,
      capabilities: ['mcp', 'admin'],
    });
    expect(teamToken).toMatchObject({
      scope: 'team',
      teamId: teamA.id,
      userId: null,
      capabilities: ['mcp', 'admin'],
    });
    expect((await trpcError(admin.tokens.create({ name: 'x', scope: 'team' }))).code).toBe('BAD_REQUEST');
    expect((await member.tokens.list()).map((t) => t.id)).not.toContain(teamToken.id);
  });
});
