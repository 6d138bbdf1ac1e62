import { gatewayTeams, teamMembers, tools } from '@toolgate/db/schema';
import { seedApiToken, seedGateway, seedInstallation, seedMember, seedTeam } from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../actor.ts';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { recordUsage, usageEvent } from '../testing/usage-world.ts';
import { checkInstallationHealth } from './check-installation-health.ts';
import { createApiToken } from './create-api-token.ts';
import { createInstallation } from './create-installation.ts';
import { createRegistryEntry } from './create-registry-entry.ts';
import { deleteInstallation } from './delete-installation.ts';
import { discoverInstallation } from './discover-installation.ts';
import { getAuditEvent } from './get-audit-event.ts';
import { getUsageSummary } from './get-usage-summary.ts';
import { listApiTokens } from './list-api-tokens.ts';
import { listAuditEvents } from './list-audit-events.ts';
import { revokeApiToken } from './revoke-api-token.ts';
import { setInstallationEnabled } from './set-installation-enabled.ts';
import { setToolEnabled } from './set-tool-enabled.ts';
import { updateInstallation } from './update-installation.ts';

/*
 * A team's maintainers manage the team's installations and tokens and see the team's usage; the
 * team's plain members, maintainers of other teams and other workspaces do not.
 */

let env: ApiTestEnv;
let everything: RunningEverythingServer;
let a: SeededOrg;
let b: SeededOrg;
let entryId: string;
/** In A: team T with a maintainer and a plain member, team U with a maintainer of its own. */
let teamT: string;
let teamU: string;
let maintainer: Actor;
let plainMember: Actor;
let otherMaintainer: Actor;
/** B's team, maintained by B's member. */
let teamB: string;

async function teamWith(org: SeededOrg, roles: [Actor, 'member' | 'maintainer'][]): Promise<string> {
  const team = await seedTeam(env.db.db, org.tenant.id);
  await env.db.db.insert(teamMembers).values(
    roles.map(([actor, role]) => ({
      tenantId: org.tenant.id,
      teamId: team.id,
      userId: actor.userId!,
      role,
    })),
  );
  return team.id;
}

async function memberOf(org: SeededOrg): Promise<Actor> {
  return { userId: (await seedMember(env.db.db, org.tenant.id, 'member')).id, role: 'member' };
}

beforeAll(async () => {
  [{ env, a, b }, everything] = await Promise.all([
    createTwoTenantEnv(),
    startEverythingServer('streamableHttp'),
  ]);
  entryId = (
    await createRegistryEntry({
      ...actingAs(env, a),
      input: {
        slug: 'everything',
        name: 'Everything',
        transport: 'streamable_http',
        url: everything.url,
        installFields: [
          { key: 'apiKey', label: 'API key', secret: true, target: { kind: 'header', name: 'X-Api-Key' } },
        ],
      },
    })
  ).id;
  [maintainer, plainMember, otherMaintainer] = await Promise.all([memberOf(a), memberOf(a), memberOf(a)]);
  teamT = await teamWith(a, [
    [maintainer, 'maintainer'],
    [plainMember, 'member'],
  ]);
  teamU = await teamWith(a, [[otherMaintainer, 'maintainer']]);
  teamB = await teamWith(b, [[b.actors.member, 'maintainer']]);
});
afterAll(async () => {
  await env?.close();
  await everything?.close();
});

const as = (actor: Actor, org: SeededOrg = a) => ({ ...actingAs(env, org), actor, allowPrivate: true });

const installForTeam = (actor: Actor, teamId: string, name?: string) =>
  createInstallation({
    ...as(actor),
    input: { registryEntryId: entryId, scope: 'team', teamId, name, values: { apiKey: 'sk-one' } },
  });

describe("a team's installations", () => {
  it('are installed, renamed, rotated, checked, refreshed, switched and deleted by its maintainer', async () => {
    const { installation } = await installForTeam(maintainer, teamT, 'T everything');
    expect(installation).toMatchObject({ scope: 'team', teamId: teamT, status: 'ready' });
    const id = installation.id;

    const renamed = await updateInstallation({
      ...as(maintainer),
      installationId: id,
      input: { name: 'T everything, renamed', values: { apiKey: 'sk-two' } },
    });
    expect(renamed.name).toBe('T everything, renamed');
    expect((await checkInstallationHealth({ ...as(maintainer), installationId: id })).status).toBe('ready');
    expect(
      (await discoverInstallation({ ...as(maintainer), installationId: id })).tools.length,
    ).toBeGreaterThan(0);
    const off = await setInstallationEnabled({
      ...as(maintainer),
      installationId: id,
      input: { enabled: false },
    });
    expect(off.enabled).toBe(false);
    const [tool] = await env.db.db.select().from(tools).where(eq(tools.installationId, id)).limit(1);
    expect(
      (
        await setToolEnabled({
          ...as(maintainer),
          installationId: id,
          toolId: tool!.id,
          input: { enabled: false },
        })
      ).enabled,
    ).toBe(false);
    await deleteInstallation({ ...as(maintainer), installationId: id });
    expect(
      (await failureOf(() => checkInstallationHealth({ ...as(maintainer), installationId: id }))).code,
    ).toBe('NOT_FOUND');
  });

  it('are refused to its plain members and to maintainers of another team', async () => {
    for (const actor of [plainMember, otherMaintainer]) {
      const refused = await failureOf(() => installForTeam(actor, teamT));
      expect(refused).toMatchObject({ code: 'FORBIDDEN' });
      expect(refused.message).toContain("the team's maintainers");
    }
    const { installation } = await installForTeam(a.actors.admin, teamT, 'T by the admin');
    const id = installation.id;
    for (const actor of [plainMember, otherMaintainer]) {
      const attempts = [
        () => updateInstallation({ ...as(actor), installationId: id, input: { name: 'Mine now' } }),
        () => setInstallationEnabled({ ...as(actor), installationId: id, input: { enabled: false } }),
        () => checkInstallationHealth({ ...as(actor), installationId: id }),
        () => discoverInstallation({ ...as(actor), installationId: id }),
        () => deleteInstallation({ ...as(actor), installationId: id }),
      ];
      for (const attempt of attempts) expect((await failureOf(attempt)).code).toBe('FORBIDDEN');
    }
    // ...while the maintainer manages what the admin installed for the team.
    expect(
      (await updateInstallation({ ...as(maintainer), installationId: id, input: { name: 'T, kept' } })).name,
    ).toBe('T, kept');
  });

  it("do not make a maintainer an admin: the organization's installations and other teams' stay out of reach", async () => {
    const org = await failureOf(() =>
      createInstallation({
        ...as(maintainer),
        input: { registryEntryId: entryId, scope: 'org', values: { apiKey: 'sk' } },
      }),
    );
    expect(org.code).toBe('FORBIDDEN');
    const orgInstallation = await seedInstallation(env.db.db, a.tenant.id, entryId, { scope: 'org' });
    const uInstallation = await seedInstallation(env.db.db, a.tenant.id, entryId, {
      scope: 'team',
      teamId: teamU,
    });
    for (const row of [orgInstallation, uInstallation])
      expect(
        (
          await failureOf(() =>
            updateInstallation({ ...as(maintainer), installationId: row.id, input: { name: 'x' } }),
          )
        ).code,
      ).toBe('FORBIDDEN');
  });

  it("are out of reach across workspaces: another workspace's team and installations", async () => {
    // A's maintainer naming B's team, in A and in B.
    expect((await failureOf(() => installForTeam(maintainer, teamB))).code).toBe('FORBIDDEN');
    const inB = await failureOf(() =>
      createInstallation({
        ...as(maintainer, b),
        input: { registryEntryId: entryId, scope: 'team', teamId: teamB, values: { apiKey: 'sk' } },
      }),
    );
    expect(inB.code).toBe('FORBIDDEN');
    // B's maintainer reaching for A's team installation.
    const { installation } = await installForTeam(maintainer, teamT, 'T, cross-tenant target');
    const fromB = await failureOf(() =>
      updateInstallation({
        ...as(b.actors.member, b),
        installationId: installation.id,
        input: { name: 'x' },
      }),
    );
    expect(fromB.code).toBe('NOT_FOUND');
  });
});

describe("a team's tokens", () => {
  it('are created, listed and revoked by its maintainer, including those an admin made', async () => {
    const created = await createApiToken({
      ...as(maintainer),
      input: { name: 'T automation', scope: 'team', teamId: teamT },
    });
    expect(created).toMatchObject({ scope: 'team', teamId: teamT, createdBy: maintainer.userId });
    const byAdmin = await createApiToken({
      ...as(a.actors.admin),
      input: { name: 'T by the admin', scope: 'team', teamId: teamT },
    });
    const uToken = await createApiToken({
      ...as(a.actors.admin),
      input: { name: 'U by the admin', scope: 'team', teamId: teamU },
    });

    const listed = (await listApiTokens(as(maintainer))).map((t) => t.id);
    expect(listed).toEqual(expect.arrayContaining([created.id, byAdmin.id]));
    expect(listed).not.toContain(uToken.id);
    expect((await revokeApiToken({ ...as(maintainer), tokenId: byAdmin.id })).revokedAt).not.toBeNull();
    expect((await failureOf(() => revokeApiToken({ ...as(maintainer), tokenId: uToken.id }))).code).toBe(
      'NOT_FOUND',
    );
  });

  it("are refused to the team's plain members and to maintainers of another team", async () => {
    const token = await createApiToken({
      ...as(maintainer),
      input: { name: 'T only', scope: 'team', teamId: teamT },
    });
    for (const actor of [plainMember, otherMaintainer]) {
      const refused = await failureOf(() =>
        createApiToken({ ...as(actor), input: { name: 'nope', scope: 'team', teamId: teamT } }),
      );
      expect(refused.code).toBe('FORBIDDEN');
      expect((await listApiTokens(as(actor))).map((t) => t.id)).not.toContain(token.id);
      expect((await failureOf(() => revokeApiToken({ ...as(actor), tokenId: token.id }))).code).toBe(
        'NOT_FOUND',
      );
    }
    expect(
      (await failureOf(() => createApiToken({ ...as(maintainer), input: { name: 'org', scope: 'org' } })))
        .code,
    ).toBe('FORBIDDEN');
  });

  it('are out of reach across workspaces', async () => {
    const bToken = await seedApiToken(env.db.db, b.tenant.id, { scope: 'team', teamId: teamB });
    expect(
      (
        await failureOf(() =>
          createApiToken({ ...as(maintainer), input: { name: 'x', scope: 'team', teamId: teamB } }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect((await failureOf(() => revokeApiToken({ ...as(maintainer), tokenId: bToken.id }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await failureOf(() => revokeApiToken({ ...as(maintainer, b), tokenId: bToken.id }))).code).toBe(
      'NOT_FOUND',
    );
  });
});

describe("a team's usage", () => {
  it("is seen by its maintainer: calls through the team's installations, its own gateways and its tokens", async () => {
    const tenantId = a.tenant.id;
    const now = Date.now();
    const tInstallation = await seedInstallation(env.db.db, tenantId, entryId, {
      scope: 'team',
      teamId: teamT,
    });
    const orgInstallation = await seedInstallation(env.db.db, tenantId, entryId, { scope: 'org' });
    const tGateway = await seedGateway(env.db.db, tenantId, { visibility: 'teams' });
    const sharedGateway = await seedGateway(env.db.db, tenantId, { visibility: 'teams' });
    const orgGateway = await seedGateway(env.db.db, tenantId);
    await env.db.db.insert(gatewayTeams).values([
      { tenantId, gatewayId: tGateway.id, teamId: teamT },
      { tenantId, gatewayId: sharedGateway.id, teamId: teamT },
      { tenantId, gatewayId: sharedGateway.id, teamId: teamU },
    ]);
    const tToken = await seedApiToken(env.db.db, tenantId, { scope: 'team', teamId: teamT });
    const someone = `user:${a.actors.otherMember.userId}`;
    const call = (toolName: string, overrides: Parameters<typeof usageEvent>[2]) =>
      usageEvent(tenantId, now - 60_000, {
        toolName,
        principalType: 'user',
        principalId: someone,
        ...overrides,
      });
    const events = [
      call('via-team-installation', { gatewayId: orgGateway.id, installationId: tInstallation.id }),
      call('via-team-gateway', { gatewayId: tGateway.id, installationId: orgInstallation.id }),
      call('via-team-token', {
        gatewayId: orgGateway.id,
        principalType: 'token',
        principalId: `token:${tToken.id}`,
      }),
      call('via-shared-gateway', { gatewayId: sharedGateway.id, installationId: orgInstallation.id }),
      call('someone-elses', { gatewayId: orgGateway.id, installationId: orgInstallation.id }),
      call('the-plain-members-own', {
        gatewayId: orgGateway.id,
        installationId: orgInstallation.id,
        principalId: `user:${plainMember.userId}`,
      }),
    ];
    await recordUsage(env.db, events);

    const seen = async (actor: Actor) => {
      const page = await listAuditEvents({ db: env.db.db, tenantId, actor, input: { range: '1h' } });
      return page.events.map((e) => e.toolName).sort();
    };
    expect(await seen(maintainer)).toEqual(['via-team-gateway', 'via-team-installation', 'via-team-token']);
    expect(await seen(plainMember)).toEqual(['the-plain-members-own']);
    expect(await seen(otherMaintainer)).toEqual([]);
    expect(await seen(a.actors.admin)).toHaveLength(events.length);

    const summary = await getUsageSummary({
      db: env.db.db,
      tenantId,
      actor: maintainer,
      input: { range: '1h' },
    });
    expect(summary.totals.calls).toBe(3);

    const [shared] = await listAuditEvents({
      db: env.db.db,
      tenantId,
      actor: a.actors.admin,
      input: { range: '1h', tool: 'via-shared-gateway' },
    }).then((p) => p.events);
    expect(
      (
        await failureOf(() =>
          getAuditEvent({ db: env.db.db, tenantId, actor: maintainer, eventId: shared!.id }),
        )
      ).code,
    ).toBe('NOT_FOUND');
    const [mine] = await listAuditEvents({
      db: env.db.db,
      tenantId,
      actor: maintainer,
      input: { range: '1h', tool: 'via-team-installation' },
    }).then((p) => p.events);
    expect(
      (await getAuditEvent({ db: env.db.db, tenantId, actor: maintainer, eventId: mine!.id })).toolName,
    ).toBe('via-team-installation');

    // Another workspace's maintainer sees none of it, even naming A's tenant.
    expect(
      (await listAuditEvents({ db: env.db.db, tenantId, actor: b.actors.member, input: { range: '1h' } }))
        .events,
    ).toEqual([]);
  });

  it('stops when the maintainer is made a plain member', async () => {
    const team = await teamWith(a, [[maintainer, 'maintainer']]);
    const installation = await seedInstallation(env.db.db, a.tenant.id, entryId, {
      scope: 'team',
      teamId: team,
    });
    await recordUsage(env.db, [
      usageEvent(a.tenant.id, Date.now() - 60_000, { toolName: 'demoted', installationId: installation.id }),
    ]);
    const tools = async () =>
      (
        await listAuditEvents({
          db: env.db.db,
          tenantId: a.tenant.id,
          actor: maintainer,
          input: { range: '1h', tool: 'demoted' },
        })
      ).events.length;
    expect(await tools()).toBe(1);
    await env.db.db
      .update(teamMembers)
      .set({ role: 'member' })
      .where(and(eq(teamMembers.teamId, team), eq(teamMembers.userId, maintainer.userId!)));
    expect(await tools()).toBe(0);
  });
});
