import {
  apiTokens,
  gateways,
  gatewayTeams,
  gatewayToolAssignments,
  installations,
  teamMembers,
  teams,
} from '@toolgate/db/schema';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTeam,
  seedTools,
} from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { eq } from 'drizzle-orm';
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
import { TEAM_NOT_FOUND } from '../team-access.ts';
import { authenticateApiToken } from './authenticate-api-token.ts';
import { deleteTeam } from './delete-team.ts';
import { TEAM_SLUG_TAKEN } from './create-team.ts';
import { updateTeam } from './update-team.ts';

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
const teamRow = async (id: string) => (await env.db.db.select().from(teams).where(eq(teams.id, id)))[0];
const teamsOfGateway = async (gatewayId: string) =>
  (await env.db.db.select().from(gatewayTeams).where(eq(gatewayTeams.gatewayId, gatewayId))).map(
    (r) => r.teamId,
  );

/** A team used everywhere a team can be: shared with gateways, owning an installation and a token. */
async function teamInUse(org: SeededOrg) {
  const db = env.db.db;
  const tenantId = org.tenant.id;
  const team = await seedTeam(db, tenantId, [org.member.id]);
  const otherTeam = await seedTeam(db, tenantId);
  // Shared with this team and another: survives the team.
  const shared = await seedGateway(db, tenantId, { slug: `shared-${team.slug}`, visibility: 'teams' });
  await db.insert(gatewayTeams).values([
    { tenantId, gatewayId: shared.id, teamId: team.id },
    { tenantId, gatewayId: shared.id, teamId: otherTeam.id },
  ]);
  // Org-wide, with a tool pinned to the team's installation.
  const pinning = await seedGateway(db, tenantId, { slug: `pinning-${team.slug}` });
  const entry = await seedRegistryEntry(db, tenantId);
  const installation = await seedInstallation(db, tenantId, entry.id, {
    name: 'Team server',
    scope: 'team',
    teamId: team.id,
  });
  await seedTools(db, tenantId, installation.id, [{ name: 'echo' }]);
  await seedAssignments(db, tenantId, pinning.id, [
    { registryEntryId: entry.id, toolName: 'echo', installationId: installation.id },
  ]);
  const token = await seedApiToken(db, tenantId, { name: 'CI', scope: 'team', teamId: team.id });
  // Revoked tokens are history: not named as a use.
  await seedApiToken(db, tenantId, { scope: 'team', teamId: team.id, revokedAt: new Date() });
  return { team, otherTeam, shared, pinning, entry, installation, token };
}

describe('renaming teams', () => {
  it('renames a team and keeps its slug unless given one; proxies map users to teams afresh', async () => {
    const org = await seedOrg(env.db);
    const team = await seedTeam(env.db.db, org.tenant.id, [org.member.id]);
    const replica = await recordInvalidations(env.newBus());
    try {
      const renamed = await updateTeam({
        ...as(org, org.actors.admin),
        teamId: team.id,
        input: { name: ' Platform ' },
      });
      expect(renamed).toMatchObject({ id: team.id, name: 'Platform', slug: team.slug, memberCount: 1 });
      // Identity providers' group claims may name the team: a tenant-wide change, not a gateway's.
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'tenant',
          tenantId: org.tenant.id,
          reason: 'team renamed',
        }),
      );
      const reslugged = await updateTeam({
        ...as(org, org.actors.owner),
        teamId: team.id,
        input: { slug: 'platform' },
      });
      expect(reslugged).toMatchObject({ name: 'Platform', slug: 'platform' });
      expect(await teamRow(team.id)).toMatchObject({ name: 'Platform', slug: 'platform' });
    } finally {
      await replica.stop();
    }
  });

  it('refuses a slug another team has, on the field', async () => {
    const org = await seedOrg(env.db);
    const [one, two] = [await seedTeam(env.db.db, org.tenant.id), await seedTeam(env.db.db, org.tenant.id)];
    const err = await failureOf(() =>
      updateTeam({ ...as(org, org.actors.admin), teamId: two.id, input: { slug: one.slug } }),
    );
    expect(err).toMatchObject({
      code: 'CONFLICT',
      message: TEAM_SLUG_TAKEN,
      details: { fields: [{ path: 'slug', message: TEAM_SLUG_TAKEN }] },
    });
    // Another tenant may use the same slug.
    const b = await seedOrg(env.db);
    const theirs = await seedTeam(env.db.db, b.tenant.id);
    await updateTeam({ ...as(b, b.actors.admin), teamId: theirs.id, input: { slug: one.slug } });
  });

  it('is for owners and admins only, within their own tenant, with valid fields', async () => {
    const org = await seedOrg(env.db);
    const team = await seedTeam(env.db.db, org.tenant.id);
    await env.db.db
      .insert(teamMembers)
      .values({ tenantId: org.tenant.id, teamId: team.id, userId: org.member.id, role: 'maintainer' });
    const byMaintainer = await failureOf(() =>
      updateTeam({ ...as(org, org.actors.member), teamId: team.id, input: { name: 'Mine' } }),
    );
    expect(byMaintainer.code).toBe('FORBIDDEN');
    const b = await seedOrg(env.db);
    const crossTenant = await failureOf(() =>
      updateTeam({ ...as(b, b.actors.owner), teamId: team.id, input: { name: 'Theirs' } }),
    );
    expect(crossTenant).toMatchObject({ code: 'NOT_FOUND', message: TEAM_NOT_FOUND });
    for (const input of [{}, { name: '' }, { slug: 'Not A Slug' }, { name: 'x'.repeat(101) }]) {
      const err = await failureOf(() => updateTeam({ ...as(org, org.actors.admin), teamId: team.id, input }));
      expect(err.code).toBe('INVALID');
    }
    expect(await teamRow(team.id)).toMatchObject({ name: team.name, slug: team.slug });
  });
});

describe('deleting teams', () => {
  it('deletes an unused team with its membership list', async () => {
    const org = await seedOrg(env.db);
    const team = await seedTeam(env.db.db, org.tenant.id, [org.member.id, org.otherMember.id]);
    const deleted = await deleteTeam({ ...as(org, org.actors.admin), teamId: team.id });
    expect(deleted).toEqual({
      id: team.id,
      slug: team.slug,
      name: team.name,
      detached: { gateways: [], installations: [], tokens: [] },
    });
    expect(await teamRow(team.id)).toBeUndefined();
    expect(await env.db.db.select().from(teamMembers).where(eq(teamMembers.teamId, team.id))).toEqual([]);
  });

  it('answers CONFLICT naming the gateways, installations and tokens that use the team, and changes nothing', async () => {
    const org = await seedOrg(env.db);
    const w = await teamInUse(org);
    const err = await failureOf(() => deleteTeam({ ...as(org, org.actors.admin), teamId: w.team.id }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain(`"${w.shared.slug}"`);
    expect(err.message).toContain('"Team server"');
    expect(err.details).toEqual({
      reason: 'team-in-use',
      gateways: [{ id: w.shared.id, slug: w.shared.slug, name: w.shared.name }],
      installations: [
        {
          id: w.installation.id,
          name: 'Team server',
          registryEntryId: w.entry.id,
          pinnedBy: [{ id: w.pinning.id, slug: w.pinning.slug }],
        },
      ],
      tokens: [{ id: w.token.id, name: 'CI' }],
    });
    expect(await teamRow(w.team.id)).toBeDefined();
    expect(await teamsOfGateway(w.shared.id)).toContain(w.team.id);
    await authenticateApiToken({ db: env.db.db, token: w.token.token, capability: 'mcp' });
  });

  it('with detach, takes the team off its gateways and deletes its installations and tokens, on every replica', async () => {
    const org = await seedOrg(env.db);
    const w = await teamInUse(org);
    const replica = await recordInvalidations(env.newBus());
    try {
      const deleted = await deleteTeam({ ...as(org, org.actors.owner), teamId: w.team.id, detach: true });
      expect(deleted.detached).toMatchObject({
        gateways: [{ id: w.shared.id }],
        installations: [{ id: w.installation.id, pinnedBy: [{ id: w.pinning.id }] }],
        tokens: [{ id: w.token.id }],
      });
      expect(await teamRow(w.team.id)).toBeUndefined();
      // The shared gateway keeps its other team and its visibility.
      expect(await teamsOfGateway(w.shared.id)).toEqual([w.otherTeam.id]);
      const [shared] = await env.db.db.select().from(gateways).where(eq(gateways.id, w.shared.id));
      expect(shared!.visibility).toBe('teams');
      expect(
        await env.db.db.select().from(installations).where(eq(installations.id, w.installation.id)),
      ).toEqual([]);
      expect(
        await env.db.db
          .select()
          .from(gatewayToolAssignments)
          .where(eq(gatewayToolAssignments.gatewayId, w.pinning.id)),
      ).toEqual([]);
      expect(await env.db.db.select().from(apiTokens).where(eq(apiTokens.teamId, w.team.id))).toEqual([]);
      const refused = await failureOf(() =>
        authenticateApiToken({ db: env.db.db, token: w.token.token, capability: 'mcp' }),
      );
      expect(refused.code).toBe('UNAUTHORIZED');
      await eventually(() => {
        // Both gateways at once (more than one: a tenant-level message), the token, and the users.
        expect(replica.messages).toContainEqual({
          kind: 'tenant',
          tenantId: org.tenant.id,
          reason: 'team deleted',
        });
        expect(replica.messages).toContainEqual({
          kind: 'token',
          tenantId: org.tenant.id,
          tokenHash: w.token.tokenHash,
          reason: 'team deleted',
        });
      });
    } finally {
      await replica.stop();
    }
  });

  it('never leaves a team-only gateway shared with nobody: CONFLICT even with detach', async () => {
    const org = await seedOrg(env.db);
    const team = await seedTeam(env.db.db, org.tenant.id);
    const only = await seedGateway(env.db.db, org.tenant.id, { visibility: 'teams' });
    await env.db.db
      .insert(gatewayTeams)
      .values({ tenantId: org.tenant.id, gatewayId: only.id, teamId: team.id });
    const err = await failureOf(() =>
      deleteTeam({ ...as(org, org.actors.admin), teamId: team.id, detach: true }),
    );
    expect(err).toMatchObject({
      code: 'CONFLICT',
      details: {
        reason: 'last-team-of-gateway',
        gateways: [{ id: only.id, slug: only.slug, name: only.name }],
      },
    });
    expect(err.message).toContain(`"${only.slug}"`);
    expect(await teamRow(team.id)).toBeDefined();
    expect(await teamsOfGateway(only.id)).toEqual([team.id]);
  });

  it('is for owners and admins only, within their own tenant', async () => {
    const org = await seedOrg(env.db);
    const team = await seedTeam(env.db.db, org.tenant.id);
    await env.db.db
      .insert(teamMembers)
      .values({ tenantId: org.tenant.id, teamId: team.id, userId: org.member.id, role: 'maintainer' });
    const byMaintainer = await failureOf(() =>
      deleteTeam({ ...as(org, org.actors.member), teamId: team.id }),
    );
    expect(byMaintainer.code).toBe('FORBIDDEN');
    const b = await seedOrg(env.db);
    const crossTenant = await failureOf(() =>
      deleteTeam({ ...as(b, b.actors.owner), teamId: team.id, detach: true }),
    );
    expect(crossTenant).toMatchObject({ code: 'NOT_FOUND', message: TEAM_NOT_FOUND });
    expect(await teamRow(team.id)).toBeDefined();
  });
});
