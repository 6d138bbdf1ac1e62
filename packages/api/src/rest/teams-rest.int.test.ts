import { gatewayTeams, teamMembers, teams } from '@toolgate/db/schema';
import { seedApiToken, seedGateway, seedTeam } from '@toolgate/db/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZTeamMember, ZTeamMemberList, ZTeamMemberRemoval } from '../schemas/team-members.ts';
import { ZTeamDeletion, ZTeamDetail, ZTeamList, ZTeamSummary } from '../schemas/team-management.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../testing/api-test-env.ts';
import { createOutboxMailer } from '../testing/outbox-mailer.ts';
import { failed, ok, restClient, type RestCall } from '../testing/rest-client.ts';

let env: ApiTestEnv;
let call: RestCall;
let a: SeededOrg;
let b: SeededOrg;
/** Tenant B's team (with B's member in it), which tenant A must neither see nor touch. */
let theirTeam: { id: string; slug: string };
/** `a.otherMember`'s own REST token: a plain member, in no team unless a test puts them in one. */
let otherMemberToken: string;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  call = restClient({
    db: env.db.db,
    bus: env.bus,
    publicMcpUrl: 'https://mcp.example.test',
    publicWebUrl: 'https://web.example.test',
    mailer: createOutboxMailer(),
  });
  theirTeam = await seedTeam(env.db.db, b.tenant.id, [b.member.id]);
  otherMemberToken = (
    await seedApiToken(env.db.db, a.tenant.id, {
      scope: 'user',
      userId: a.otherMember.id,
      capabilities: ['admin'],
    })
  ).token;
});
afterAll(async () => {
  await env?.close();
});

const teamRow = async (id: string) => (await env.db.db.select().from(teams).where(eq(teams.id, id)))[0];
const inTeam = async (teamId: string, userId: string) =>
  (
    await env.db.db
      .select({ role: teamMembers.role })
      .from(teamMembers)
      .where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)))
  )[0]?.role ?? null;

describe('/teams', () => {
  it('POST creates a team (slug from the name), GET lists it; a taken slug is 409', async () => {
    const created = ok(
      await call('POST', '/teams', { token: a.adminToken, body: { name: 'Platform Team' } }),
      201,
      ZTeamSummary,
    );
    expect(created).toMatchObject({ name: 'Platform Team', slug: 'platform-team', memberCount: 0 });
    const listed = ok(await call('GET', '/teams', { token: a.adminToken }), 200, ZTeamList);
    expect(listed.teams.map((t) => t.id)).toContain(created.id);
    expect(listed.teams.map((t) => t.id)).not.toContain(theirTeam.id);
    const again = failed(
      await call('POST', '/teams', { token: a.adminToken, body: { name: 'Other', slug: 'platform-team' } }),
      409,
      'CONFLICT',
    );
    expect(again.fields).toEqual([{ path: 'slug', message: expect.any(String) as string }]);
  });

  it('POST is for owners and admins only; a slug another tenant has is free', async () => {
    failed(await call('POST', '/teams', { token: a.memberToken, body: { name: 'Mine' } }), 403, 'FORBIDDEN');
    ok(
      await call('POST', '/teams', { token: a.adminToken, body: { name: 'x', slug: theirTeam.slug } }),
      201,
      ZTeamSummary,
    );
  });

  it('GET lists for a member only the teams they are in, as GET /teams/{id} answers', async () => {
    const mine = await seedTeam(env.db.db, a.tenant.id, [a.member.id]);
    const notMine = await seedTeam(env.db.db, a.tenant.id);
    const asMember = ok(await call('GET', '/teams', { token: a.memberToken }), 200, ZTeamList).teams;
    expect(asMember.map((t) => t.id)).toContain(mine.id);
    expect(asMember.map((t) => t.id)).not.toContain(notMine.id);
    for (const team of asMember) expect(await inTeam(team.id, a.member.id)).not.toBeNull();
    const asAdmin = ok(await call('GET', '/teams', { token: a.adminToken }), 200, ZTeamList).teams;
    expect(asAdmin.map((t) => t.id)).toEqual(expect.arrayContaining([mine.id, notMine.id]));
    expect(asAdmin.map((t) => t.id)).not.toContain(theirTeam.id);
  });

  it('GET /teams/{id} shows members only their own teams, and nobody another tenant’s', async () => {
    const team = await seedTeam(env.db.db, a.tenant.id, [a.member.id]);
    const other = await seedTeam(env.db.db, a.tenant.id);
    expect(
      ok(await call('GET', `/teams/${team.id}`, { token: a.memberToken }), 200, ZTeamDetail),
    ).toMatchObject({
      id: team.id,
      memberCount: 1,
    });
    failed(await call('GET', `/teams/${other.id}`, { token: a.memberToken }), 404, 'NOT_FOUND');
    ok(await call('GET', `/teams/${other.id}`, { token: a.adminToken }), 200, ZTeamDetail);
    failed(await call('GET', `/teams/${theirTeam.id}`, { token: a.adminToken }), 404, 'NOT_FOUND');
  });

  it('PATCH /teams/{id} renames (slug kept), for admins only, never another tenant’s', async () => {
    const team = await seedTeam(env.db.db, a.tenant.id, [a.member.id]);
    const renamed = ok(
      await call('PATCH', `/teams/${team.id}`, { token: a.adminToken, body: { name: 'Renamed' } }),
      200,
      ZTeamDetail,
    );
    expect(renamed).toMatchObject({ name: 'Renamed', slug: team.slug });
    failed(
      await call('PATCH', `/teams/${team.id}`, { token: a.memberToken, body: { name: 'Mine' } }),
      403,
      'FORBIDDEN',
    );
    failed(
      await call('PATCH', `/teams/${theirTeam.id}`, { token: a.adminToken, body: { name: 'Ours' } }),
      404,
      'NOT_FOUND',
    );
    failed(await call('PATCH', `/teams/${team.id}`, { token: a.adminToken, body: {} }), 422, 'INVALID');
    expect(await teamRow(theirTeam.id)).toMatchObject({ slug: theirTeam.slug });
  });

  it('DELETE /teams/{id} answers 409 naming what uses the team, deletes with ?detach=true', async () => {
    const team = await seedTeam(env.db.db, a.tenant.id);
    const keep = await seedTeam(env.db.db, a.tenant.id);
    const gateway = await seedGateway(env.db.db, a.tenant.id, { visibility: 'teams' });
    await env.db.db.insert(gatewayTeams).values([
      { tenantId: a.tenant.id, gatewayId: gateway.id, teamId: team.id },
      { tenantId: a.tenant.id, gatewayId: gateway.id, teamId: keep.id },
    ]);
    const token = await seedApiToken(env.db.db, a.tenant.id, {
      name: 'team ci',
      scope: 'team',
      teamId: team.id,
    });
    const conflict = failed(
      await call('DELETE', `/teams/${team.id}`, { token: a.adminToken }),
      409,
      'CONFLICT',
    );
    expect(conflict.details).toMatchObject({
      reason: 'team-in-use',
      gateways: [{ id: gateway.id, slug: gateway.slug }],
      installations: [],
      tokens: [{ id: token.id, name: 'team ci' }],
    });
    failed(await call('DELETE', `/teams/${team.id}?detach=yes`, { token: a.adminToken }), 422, 'INVALID');
    failed(await call('DELETE', `/teams/${team.id}?detach=true`, { token: a.memberToken }), 403, 'FORBIDDEN');
    const deleted = ok(
      await call('DELETE', `/teams/${team.id}?detach=true`, { token: a.adminToken }),
      200,
      ZTeamDeletion,
    );
    expect(deleted.detached.tokens.map((t) => t.id)).toEqual([token.id]);
    expect(await teamRow(team.id)).toBeUndefined();
    failed(await call('GET', '/gateways', { token: token.token }), 401, 'UNAUTHORIZED');
  });

  it("DELETE /teams/{id} cannot delete another tenant's team", async () => {
    failed(
      await call('DELETE', `/teams/${theirTeam.id}?detach=true`, { token: a.adminToken }),
      404,
      'NOT_FOUND',
    );
    expect(await teamRow(theirTeam.id)).toBeDefined();
  });
});

describe('/teams/{id}/members', () => {
  it('POST adds a workspace member (201), again is 409; GET lists them with roles', async () => {
    const team = await seedTeam(env.db.db, a.tenant.id);
    const added = ok(
      await call('POST', `/teams/${team.id}/members`, {
        token: a.adminToken,
        body: { userId: a.member.id, role: 'maintainer' },
      }),
      201,
      ZTeamMember,
    );
    expect(added).toMatchObject({ userId: a.member.id, role: 'maintainer', workspaceRole: 'member' });
    const twice = failed(
      await call('POST', `/teams/${team.id}/members`, { token: a.adminToken, body: { userId: a.member.id } }),
      409,
      'CONFLICT',
    );
    expect(twice.details).toEqual({ reason: 'already-in-team' });
    const listed = ok(
      await call('GET', `/teams/${team.id}/members`, { token: a.memberToken }),
      200,
      ZTeamMemberList,
    );
    expect(listed.members.map((m) => [m.userId, m.role])).toEqual([[a.member.id, 'maintainer']]);
    // A team someone is not in is not theirs to read.
    failed(await call('GET', `/teams/${team.id}/members`, { token: otherMemberToken }), 404, 'NOT_FOUND');
  });

  it('lets a maintainer manage their team with a personal token; a plain member is refused', async () => {
    const team = await seedTeam(env.db.db, a.tenant.id);
    await env.db.db
      .insert(teamMembers)
      .values({ tenantId: a.tenant.id, teamId: team.id, userId: a.member.id, role: 'maintainer' });
    ok(
      await call('POST', `/teams/${team.id}/members`, {
        token: a.memberToken,
        body: { userId: a.otherMember.id },
      }),
      201,
      ZTeamMember,
    );
    const promoted = ok(
      await call('PATCH', `/teams/${team.id}/members/${a.otherMember.id}`, {
        token: a.memberToken,
        body: { role: 'maintainer' },
      }),
      200,
      ZTeamMember,
    );
    expect(promoted.role).toBe('maintainer');
    await call('PATCH', `/teams/${team.id}/members/${a.member.id}`, {
      token: a.adminToken,
      body: { role: 'member' },
    });
    // Now a plain member: may read and leave, not manage.
    failed(
      await call('DELETE', `/teams/${team.id}/members/${a.otherMember.id}`, { token: a.memberToken }),
      403,
      'FORBIDDEN',
    );
    failed(
      await call('POST', `/teams/${team.id}/members`, { token: a.memberToken, body: { userId: a.admin.id } }),
      403,
      'FORBIDDEN',
    );
    ok(
      await call('DELETE', `/teams/${team.id}/members/${a.member.id}`, { token: a.memberToken }),
      200,
      ZTeamMemberRemoval,
    );
    expect(await inTeam(team.id, a.member.id)).toBeNull();
    expect(await inTeam(team.id, a.otherMember.id)).toBe('maintainer');
  });

  it('PATCH and DELETE answer 404 for someone not in the team, and validate the body', async () => {
    const team = await seedTeam(env.db.db, a.tenant.id);
    failed(
      await call('PATCH', `/teams/${team.id}/members/${a.member.id}`, {
        token: a.adminToken,
        body: { role: 'member' },
      }),
      404,
      'NOT_FOUND',
    );
    failed(
      await call('DELETE', `/teams/${team.id}/members/${a.member.id}`, { token: a.adminToken }),
      404,
      'NOT_FOUND',
    );
    failed(
      await call('PATCH', `/teams/${team.id}/members/${a.member.id}`, {
        token: a.adminToken,
        body: { role: 'owner' },
      }),
      422,
      'INVALID',
    );
    failed(
      await call('POST', `/teams/${team.id}/members`, {
        token: a.adminToken,
        body: { userId: a.member.id, x: 1 },
      }),
      422,
      'INVALID',
    );
  });

  it("never reads or changes another tenant's team, and never adds another tenant's user", async () => {
    const team = await seedTeam(env.db.db, a.tenant.id);
    const members = `/teams/${theirTeam.id}/members`;
    failed(await call('GET', members, { token: a.adminToken }), 404, 'NOT_FOUND');
    failed(
      await call('POST', members, { token: a.adminToken, body: { userId: a.member.id } }),
      404,
      'NOT_FOUND',
    );
    failed(
      await call('PATCH', `${members}/${b.member.id}`, { token: a.adminToken, body: { role: 'maintainer' } }),
      404,
      'NOT_FOUND',
    );
    failed(await call('DELETE', `${members}/${b.member.id}`, { token: a.adminToken }), 404, 'NOT_FOUND');
    expect(await inTeam(theirTeam.id, b.member.id)).toBe('member');
    const stranger = failed(
      await call('POST', `/teams/${team.id}/members`, { token: a.adminToken, body: { userId: b.member.id } }),
      404,
      'NOT_FOUND',
    );
    expect(stranger.fields).toEqual([{ path: 'userId', message: expect.any(String) as string }]);
    expect(await inTeam(team.id, b.member.id)).toBeNull();
  });
});
