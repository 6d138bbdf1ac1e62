import { gateways, gatewayTeams, gatewayToolAssignments, teamMembers } from '@toolgate/db/schema';
import { seedApiToken, seedInstallation, seedRegistryEntry, seedTeam, seedTools } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  recordInvalidations,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { createGateway } from './create-gateway.ts';
import { deleteGateway } from './delete-gateway.ts';
import { getGateway } from './get-gateway.ts';
import { listGateways } from './list-gateways.ts';
import { setGatewayAssignments } from './set-gateway-assignments.ts';
import { updateGateway } from './update-gateway.ts';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
});
afterAll(async () => {
  await env?.close();
});

const opts = (org: SeededOrg, who: keyof SeededOrg['actors'] = 'admin') => actingAs(env, org, who);

describe('gateways', () => {
  it('creates, reads, updates and deletes, invalidating proxies at each write', async () => {
    const replica = await recordInvalidations(env.newBus());
    try {
      const team = await seedTeam(env.db.db, a.tenant.id, [a.member.id]);
      const created = await createGateway({
        ...opts(a),
        input: {
          slug: 'crud',
          name: 'CRUD',
          visibility: 'teams',
          teamIds: [team.id],
          headerAllowlist: ['X-Trace-Id', 'x-trace-id', 'X-Tenant'],
        },
      });
      expect(created).toMatchObject({
        slug: 'crud',
        visibility: 'teams',
        teamIds: [team.id],
        clientAuthMethods: ['api_token', 'oauth'],
        toolExposure: 'full',
        headerAllowlist: ['x-trace-id', 'x-tenant'],
        assignments: [],
      });
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'gateway',
          tenantId: a.tenant.id,
          gatewayId: created.id,
          reason: 'gateway created',
        }),
      );

      expect(await getGateway({ ...opts(a, 'member'), gatewayId: created.id })).toEqual(created);
      expect((await listGateways(opts(a, 'member'))).map((g) => g.id)).toContain(created.id);

      const renamed = await updateGateway({
        ...opts(a),
        gatewayId: created.id,
        input: { slug: 'crud-2', visibility: 'org', toolExposure: 'search' },
      });
      expect(renamed).toMatchObject({
        slug: 'crud-2',
        visibility: 'org',
        teamIds: [],
        toolExposure: 'search',
      });
      expect(
        await env.db.db.select().from(gatewayTeams).where(eq(gatewayTeams.gatewayId, created.id)),
      ).toEqual([]);
      // Old and new slug both dropped: a tenant-wide message.
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'tenant',
          tenantId: a.tenant.id,
          reason: 'gateway updated',
        }),
      );

      await deleteGateway({ ...opts(a), gatewayId: created.id });
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'gateway',
          tenantId: a.tenant.id,
          gatewayId: created.id,
          reason: 'gateway deleted',
        }),
      );
      expect((await failureOf(() => getGateway({ ...opts(a), gatewayId: created.id }))).code).toBe(
        'NOT_FOUND',
      );
    } finally {
      await replica.stop();
    }
  });

  it('validates slugs, visibility, auth methods and the header allow-list, naming the fields', async () => {
    const bad = await failureOf(() =>
      createGateway({
        ...opts(a),
        input: {
          slug: 'Not A Slug',
          name: '',
          visibility: 'teams',
          clientAuthMethods: [],
          headerAllowlist: ['Authorization', 'connection', 'Host', 'content-length', 'Cookie', 'x ok?'],
        },
      }),
    );
    expect(bad.code).toBe('INVALID');
    const paths = (bad.details!.fields as { path: string }[]).map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'slug',
        'name',
        'clientAuthMethods',
        'headerAllowlist.0',
        'headerAllowlist.1',
        'headerAllowlist.2',
        'headerAllowlist.3',
        'headerAllowlist.4',
        'headerAllowlist.5',
      ]),
    );
    const teams = await failureOf(() =>
      createGateway({ ...opts(a), input: { slug: 'no-teams', name: 'x', visibility: 'teams' } }),
    );
    expect(teams.code).toBe('INVALID');
    expect(teams.message).toContain('teamIds');
  });

  it('refuses duplicate slugs, and renaming onto a taken slug', async () => {
    await createGateway({ ...opts(a), input: { slug: 'taken', name: 'Taken' } });
    const dup = await failureOf(() => createGateway({ ...opts(a), input: { slug: 'taken', name: 'Again' } }));
    expect(dup.code).toBe('CONFLICT');
    const other = await createGateway({ ...opts(a), input: { slug: 'other', name: 'Other' } });
    const rename = await failureOf(() =>
      updateGateway({ ...opts(a), gatewayId: other.id, input: { slug: 'taken' } }),
    );
    expect(rename.code).toBe('CONFLICT');
    expect(rename.details!.fields).toEqual([{ path: 'slug', message: 'is already used by another gateway' }]);
    // Another tenant has its own namespace.
    await expect(createGateway({ ...opts(b), input: { slug: 'taken', name: 'B' } })).resolves.toMatchObject({
      slug: 'taken',
    });
  });

  it('lets members read gateways but not create, edit, delete or assign', async () => {
    const g = await createGateway({ ...opts(a), input: { slug: 'members-read', name: 'x' } });
    await expect(listGateways(opts(a, 'member'))).resolves.toBeDefined();
    for (const attempt of [
      () => createGateway({ ...opts(a, 'member'), input: { slug: 'by-member', name: 'x' } }),
      () => updateGateway({ ...opts(a, 'member'), gatewayId: g.id, input: { name: 'y' } }),
      () => deleteGateway({ ...opts(a, 'member'), gatewayId: g.id }),
      () => setGatewayAssignments({ ...opts(a, 'member'), gatewayId: g.id, input: { assignments: [] } }),
    ]) {
      expect((await failureOf(attempt)).code).toBe('FORBIDDEN');
    }
    expect(await env.db.db.select().from(gateways).where(eq(gateways.slug, 'by-member'))).toEqual([]);
  });

  it("treats another tenant's gateways and teams as not found", async () => {
    const theirs = await createGateway({ ...opts(b), input: { slug: 'theirs', name: 'Theirs' } });
    const theirTeam = await seedTeam(env.db.db, b.tenant.id);
    for (const attempt of [
      () => getGateway({ ...opts(a), gatewayId: theirs.id }),
      () => updateGateway({ ...opts(a), gatewayId: theirs.id, input: { name: 'mine now' } }),
      () => deleteGateway({ ...opts(a), gatewayId: theirs.id }),
      () => setGatewayAssignments({ ...opts(a), gatewayId: theirs.id, input: { assignments: [] } }),
      () =>
        createGateway({
          ...opts(a),
          input: { slug: 'steal-team', name: 'x', visibility: 'teams', teamIds: [theirTeam.id] },
        }),
    ]) {
      expect((await failureOf(attempt)).code).toBe('NOT_FOUND');
    }
    expect((await listGateways(opts(a))).map((g) => g.id)).not.toContain(theirs.id);
    // Nothing of theirs changed: same name, still there, no assignments dropped.
    expect(await getGateway({ ...opts(b), gatewayId: theirs.id })).toEqual(theirs);
    // Members of A cannot see it either, and ids that are not UUIDs are simply not found.
    expect((await failureOf(() => getGateway({ ...opts(a, 'member'), gatewayId: theirs.id }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await failureOf(() => getGateway({ ...opts(a), gatewayId: 'not-a-uuid' }))).code).toBe(
      'NOT_FOUND',
    );
  });
});

describe('gateway visibility', () => {
  it('shows members the org-wide gateways and those of their teams; admins and owners see all', async () => {
    const mine = await seedTeam(env.db.db, a.tenant.id, [a.member.id]);
    const theirs = await seedTeam(env.db.db, a.tenant.id, [a.otherMember.id]);
    const suffix = mine.id.slice(0, 8);
    const orgWide = await createGateway({ ...opts(a), input: { slug: `vis-org-${suffix}`, name: 'Org' } });
    const forMine = await createGateway({
      ...opts(a),
      input: { slug: `vis-mine-${suffix}`, name: 'Mine', visibility: 'teams', teamIds: [mine.id] },
    });
    const forTheirs = await createGateway({
      ...opts(a),
      input: { slug: `vis-theirs-${suffix}`, name: 'Theirs', visibility: 'teams', teamIds: [theirs.id] },
    });
    const ours = [orgWide.id, forMine.id, forTheirs.id];
    const listedIds = async (who: keyof SeededOrg['actors']) =>
      (await listGateways(opts(a, who)))
        .map((g) => g.id)
        .filter((id) => ours.includes(id))
        .sort();

    expect(await listedIds('member')).toEqual([orgWide.id, forMine.id].sort());
    expect(await listedIds('otherMember')).toEqual([orgWide.id, forTheirs.id].sort());
    for (const who of ['admin', 'owner'] as const) expect(await listedIds(who)).toEqual([...ours].sort());

    expect(await getGateway({ ...opts(a, 'member'), gatewayId: forMine.id })).toEqual(forMine);
    const hidden = await failureOf(() => getGateway({ ...opts(a, 'member'), gatewayId: forTheirs.id }));
    expect(hidden).toMatchObject({ code: 'NOT_FOUND', message: 'Gateway not found' });

    // Visibility follows changes: sharing with the member's team, or leaving a team.
    await updateGateway({ ...opts(a), gatewayId: forTheirs.id, input: { teamIds: [theirs.id, mine.id] } });
    expect(await listedIds('member')).toContain(forTheirs.id);
    await env.db.db
      .delete(teamMembers)
      .where(and(eq(teamMembers.teamId, mine.id), eq(teamMembers.userId, a.member.id)));
    expect(await listedIds('member')).toEqual([orgWide.id]);
  });

  it('gives a team token the gateways of its team, and an org token all of them', async () => {
    const team = await seedTeam(env.db.db, a.tenant.id);
    const other = await seedTeam(env.db.db, a.tenant.id);
    const suffix = team.id.slice(0, 8);
    const forTeam = await createGateway({
      ...opts(a),
      input: { slug: `tok-team-${suffix}`, name: 'T', visibility: 'teams', teamIds: [team.id] },
    });
    const forOther = await createGateway({
      ...opts(a),
      input: { slug: `tok-other-${suffix}`, name: 'O', visibility: 'teams', teamIds: [other.id] },
    });
    const teamToken = await seedApiToken(env.db.db, a.tenant.id, { scope: 'team', teamId: team.id });
    const asTeam = { userId: null, role: 'member' as const, tokenId: teamToken.id };
    const ids = (await listGateways({ ...opts(a), actor: asTeam })).map((g) => g.id);
    expect(ids).toContain(forTeam.id);
    expect(ids).not.toContain(forOther.id);
    expect(
      (await failureOf(() => getGateway({ ...opts(a), actor: asTeam, gatewayId: forOther.id }))).code,
    ).toBe('NOT_FOUND');

    // A token id of another tenant gives no teams here.
    const foreign = await seedApiToken(env.db.db, b.tenant.id, {
      scope: 'team',
      teamId: (await seedTeam(env.db.db, b.tenant.id)).id,
    });
    const confused = { userId: null, role: 'member' as const, tokenId: foreign.id };
    const seen = (await listGateways({ ...opts(a), actor: confused })).map((g) => g.id);
    expect(seen).not.toContain(forTeam.id);

    const asOrg = { userId: null, role: 'admin' as const, tokenId: crypto.randomUUID() };
    const all = (await listGateways({ ...opts(a), actor: asOrg })).map((g) => g.id);
    expect(all).toEqual(expect.arrayContaining([forTeam.id, forOther.id]));
  });
});

describe('gateway assignments', () => {
  async function serverWithTools(tenantId: string, slug: string, toolNames: string[]) {
    const entry = await seedRegistryEntry(env.db.db, tenantId, { slug });
    const installation = await seedInstallation(env.db.db, tenantId, entry.id);
    await seedTools(
      env.db.db,
      tenantId,
      installation.id,
      toolNames.map((name) => ({ name })),
    );
    return { entry, installation };
  }

  it('replaces assignments atomically, reports exposed names, and invalidates', async () => {
    const g = await createGateway({ ...opts(a), input: { slug: 'assign', name: 'Assign' } });
    const alpha = await serverWithTools(a.tenant.id, 'alpha', ['echo', 'add']);
    const replica = await recordInvalidations(env.newBus());
    try {
      const first = await setGatewayAssignments({
        ...opts(a),
        gatewayId: g.id,
        input: {
          assignments: [
            { registryEntryId: alpha.entry.id, toolName: 'echo' },
            {
              registryEntryId: alpha.entry.id,
              toolName: 'add',
              alias: 'sum',
              installationId: alpha.installation.id,
            },
            { registryEntryId: alpha.entry.id, toolName: 'not-discovered-yet' },
            { registryEntryId: alpha.entry.id, kind: 'resources' },
          ],
        },
      });
      expect(first.exposedTools).toEqual(['alpha__echo', 'sum']);
      expect(first.assignments).toHaveLength(4);
      expect(first.assignments.find((x) => x.kind === 'resources')).toMatchObject({
        toolName: '*',
        alias: null,
      });
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'gateway',
          tenantId: a.tenant.id,
          gatewayId: g.id,
          reason: 'assignments changed',
        }),
      );

      const second = await setGatewayAssignments({
        ...opts(a),
        gatewayId: g.id,
        input: { assignments: [{ registryEntryId: alpha.entry.id, toolName: 'add' }] },
      });
      expect(second.exposedTools).toEqual(['alpha__add']);
      expect((await getGateway({ ...opts(a), gatewayId: g.id })).assignments).toEqual(second.assignments);
    } finally {
      await replica.stop();
    }
  });

  it('refuses colliding tool names with CONFLICT naming both tools, and keeps the old assignments', async () => {
    const g = await createGateway({ ...opts(a), input: { slug: 'collide', name: 'Collide' } });
    const one = await serverWithTools(a.tenant.id, 'one', ['echo']);
    const two = await serverWithTools(a.tenant.id, 'two', ['search']);
    const before = await setGatewayAssignments({
      ...opts(a),
      gatewayId: g.id,
      input: { assignments: [{ registryEntryId: one.entry.id, toolName: 'echo' }] },
    });

    // An alias equal to another server's generated name: caught by the proxy's own compiler.
    const compiled = await failureOf(() =>
      setGatewayAssignments({
        ...opts(a),
        gatewayId: g.id,
        input: {
          assignments: [
            { registryEntryId: one.entry.id, toolName: 'echo' },
            { registryEntryId: two.entry.id, toolName: 'search', alias: 'one__echo' },
          ],
        },
      }),
    );
    expect(compiled.code).toBe('CONFLICT');
    expect(compiled.message).toContain('one/echo');
    expect(compiled.message).toContain('two/search');
    expect(compiled.details).toMatchObject({ name: 'one__echo', tools: ['one/echo', 'two/search'] });

    // Two equal aliases, even of tools not discovered yet.
    const aliases = await failureOf(() =>
      setGatewayAssignments({
        ...opts(a),
        gatewayId: g.id,
        input: {
          assignments: [
            { registryEntryId: one.entry.id, toolName: 'later-1', alias: 'same' },
            { registryEntryId: two.entry.id, toolName: 'later-2', alias: 'same' },
          ],
        },
      }),
    );
    expect(aliases.code).toBe('CONFLICT');
    expect(aliases.message).toContain('one/later-1');
    expect(aliases.message).toContain('two/later-2');

    const rows = await env.db.db
      .select()
      .from(gatewayToolAssignments)
      .where(eq(gatewayToolAssignments.gatewayId, g.id));
    expect(rows.map((r) => r.id)).toEqual(before.assignments.map((x) => x.id));
  });

  it('checks that entries and installations are usable by the tenant', async () => {
    const g = await createGateway({ ...opts(a), input: { slug: 'refs', name: 'Refs' } });
    const mine = await serverWithTools(a.tenant.id, 'mine', ['t']);
    const other = await serverWithTools(a.tenant.id, 'other-entry', ['t']);
    const theirs = await serverWithTools(b.tenant.id, 'theirs', ['t']);
    const personal = await seedInstallation(env.db.db, a.tenant.id, mine.entry.id, {
      scope: 'personal',
      userId: a.member.id,
    });
    const catalogEntry = await seedRegistryEntry(env.db.db, null, { slug: `catalog-${g.id.slice(0, 8)}` });

    const set = (assignments: Parameters<typeof setGatewayAssignments>[0]['input']['assignments']) =>
      failureOf(() => setGatewayAssignments({ ...opts(a), gatewayId: g.id, input: { assignments } }));
    expect((await set([{ registryEntryId: theirs.entry.id, toolName: 't' }])).code).toBe('NOT_FOUND');
    expect(
      (await set([{ registryEntryId: mine.entry.id, toolName: 't', installationId: theirs.installation.id }]))
        .code,
    ).toBe('NOT_FOUND');
    const mismatch = await set([
      { registryEntryId: mine.entry.id, toolName: 't', installationId: other.installation.id },
    ]);
    expect(mismatch.code).toBe('INVALID');
    expect(mismatch.details!.fields).toEqual([
      { path: 'assignments.0.installationId', message: 'is an installation of another registry entry' },
    ]);
    const pinnedPersonal = await set([
      { registryEntryId: mine.entry.id, toolName: 't', installationId: personal.id },
    ]);
    expect(pinnedPersonal.code).toBe('INVALID');
    const repeated = await set([
      { registryEntryId: mine.entry.id, toolName: 't' },
      { registryEntryId: mine.entry.id, toolName: 't' },
    ]);
    expect(repeated.code).toBe('INVALID');

    // Catalog entries are usable by every tenant.
    await expect(
      setGatewayAssignments({
        ...opts(a),
        gatewayId: g.id,
        input: { assignments: [{ registryEntryId: catalogEntry.id, toolName: 'anything' }] },
      }),
    ).resolves.toMatchObject({ exposedTools: [] });
  });
});
