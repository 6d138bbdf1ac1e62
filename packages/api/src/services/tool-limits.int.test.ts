import { loadGatewaySnapshot } from '@toolgate/db/gateway-snapshot';
import { auditEvents, teamMembers, tenants, tools } from '@toolgate/db/schema';
import {
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTeam,
  seedTools,
} from '@toolgate/db/testing';
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
import { listInstallationTools } from './list-installation-tools.ts';
import { setToolLimit, TOOL_LIMIT_METHOD } from './set-tool-limit.ts';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
});
afterAll(async () => {
  await env?.close();
});

const as = (org: SeededOrg, who: keyof SeededOrg['actors'] = 'admin') => actingAs(env, org, who);
const MESSAGE = 'callsPerMinute: must be a whole number from 1 to 1,000,000, or empty for none';

/** The workspace's configuration version: every recorded change raises it. */
async function configVersion(org: SeededOrg): Promise<number> {
  const [row] = await env.db.db
    .select({ v: tenants.configVersion })
    .from(tenants)
    .where(eq(tenants.id, org.tenant.id));
  return row!.v;
}

/** An installation of a (never reached) server with two tools, `search` and `lookup`. */
async function world(org: SeededOrg, overrides: Parameters<typeof seedInstallation>[3] = {}) {
  const entry = await seedRegistryEntry(env.db.db, org.tenant.id);
  const installation = await seedInstallation(env.db.db, org.tenant.id, entry.id, overrides);
  const [search, lookup] = await seedTools(env.db.db, org.tenant.id, installation.id, [
    { name: 'search' },
    { name: 'lookup' },
  ]);
  return { entry, installation, search: search!, lookup: lookup! };
}

async function storedLimit(toolId: string): Promise<number | null> {
  const [row] = await env.db.db.select({ v: tools.callsPerMinute }).from(tools).where(eq(tools.id, toolId));
  return row!.v;
}

describe('a tool’s call limit', () => {
  it('is set, shown in the tools list, changed and removed with null', async () => {
    const { installation, search, lookup } = await world(a);
    const target = { installationId: installation.id, toolId: search.id };
    const set = await setToolLimit({ ...as(a), ...target, input: { callsPerMinute: 60 } });
    expect(set).toMatchObject({ id: search.id, callsPerMinute: 60, enabled: true });
    const listed = await listInstallationTools({ ...as(a, 'member'), installationId: installation.id });
    expect(Object.fromEntries(listed.map((t) => [t.name, t.callsPerMinute]))).toEqual({
      search: 60,
      lookup: null,
    });
    expect(listed.find((t) => t.id === search.id)).toEqual(set);

    const changed = await setToolLimit({
      ...as(a, 'owner'),
      ...target,
      input: { callsPerMinute: 1_000_000 },
    });
    expect(changed.callsPerMinute).toBe(1_000_000);
    const cleared = await setToolLimit({ ...as(a), ...target, input: { callsPerMinute: null } });
    expect(cleared.callsPerMinute).toBeNull();
    expect(await storedLimit(search.id)).toBeNull();
    expect(await storedLimit(lookup.id)).toBeNull();
  });

  it('refuses what is not a whole number from 1 to 1,000,000, naming the field', async () => {
    const { installation, search } = await world(a);
    await setToolLimit({
      ...as(a),
      installationId: installation.id,
      toolId: search.id,
      input: { callsPerMinute: 5 },
    });
    for (const callsPerMinute of [0, -1, 1.5, 1_000_001, Number.NaN, Infinity, '60', undefined]) {
      const bad = await failureOf(() =>
        setToolLimit({
          ...as(a),
          installationId: installation.id,
          toolId: search.id,
          input: { callsPerMinute } as never,
        }),
      );
      expect(bad.code, String(callsPerMinute)).toBe('INVALID');
      expect(bad.message).toBe(MESSAGE);
      expect(bad.details?.fields).toEqual([
        { path: 'callsPerMinute', message: 'must be a whole number from 1 to 1,000,000, or empty for none' },
      ]);
    }
    expect(await storedLimit(search.id)).toBe(5);
  });

  it('is for those who manage the installation: a member is refused, a team maintainer may', async () => {
    const team = await seedTeam(env.db.db, a.tenant.id);
    await env.db.db
      .insert(teamMembers)
      .values({ tenantId: a.tenant.id, teamId: team.id, userId: a.member.id, role: 'maintainer' });
    const org = await world(a);
    const refused = await failureOf(() =>
      setToolLimit({
        ...as(a, 'member'),
        installationId: org.installation.id,
        toolId: org.search.id,
        input: { callsPerMinute: 10 },
      }),
    );
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toBe("Only owners and admins may change this installation's tools");
    expect(await storedLimit(org.search.id)).toBeNull();

    const teams = await world(a, { scope: 'team', teamId: team.id });
    const byMaintainer = await setToolLimit({
      ...as(a, 'member'),
      installationId: teams.installation.id,
      toolId: teams.search.id,
      input: { callsPerMinute: 10 },
    });
    expect(byMaintainer.callsPerMinute).toBe(10);
    const notTheirTeam = await failureOf(() =>
      setToolLimit({
        ...as(a, 'otherMember'),
        installationId: teams.installation.id,
        toolId: teams.search.id,
        input: { callsPerMinute: null },
      }),
    );
    expect(notTheirTeam.code).toBe('FORBIDDEN');

    // Another member's personal installation does not exist for them.
    const personal = await world(a, { scope: 'personal', userId: a.member.id });
    const hidden = await failureOf(() =>
      setToolLimit({
        ...as(a, 'otherMember'),
        installationId: personal.installation.id,
        toolId: personal.search.id,
        input: { callsPerMinute: 10 },
      }),
    );
    expect(hidden.code).toBe('NOT_FOUND');
    expect(await storedLimit(personal.search.id)).toBeNull();
  });

  it("cannot reach another workspace's installation or tool, nor a tool of another installation", async () => {
    const theirs = await world(b);
    const mine = await world(a);
    const other = await world(a);
    for (const [installationId, toolId] of [
      [theirs.installation.id, theirs.search.id],
      [mine.installation.id, theirs.search.id],
      [mine.installation.id, other.search.id],
    ]) {
      const refused = await failureOf(() =>
        setToolLimit({
          ...as(a, 'owner'),
          installationId: installationId!,
          toolId: toolId!,
          input: { callsPerMinute: 1 },
        }),
      );
      expect(refused.code).toBe('NOT_FOUND');
    }
    expect(await storedLimit(theirs.search.id)).toBeNull();
    expect(await storedLimit(other.search.id)).toBeNull();
  });

  it('is audited with before and after, once per change', async () => {
    const { installation, search } = await world(a);
    const set = (callsPerMinute: number | null) =>
      setToolLimit({
        ...as(a),
        installationId: installation.id,
        toolId: search.id,
        input: { callsPerMinute },
      });
    await set(30);
    await set(30);
    await set(null);
    const events = await env.db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, a.tenant.id), eq(auditEvents.installationId, installation.id)))
      .orderBy(auditEvents.occurredAt);
    expect(events.map((e) => [e.method, e.toolName, e.principalId, e.status, e.response])).toEqual([
      [
        TOOL_LIMIT_METHOD,
        'search',
        `user:${a.admin.id}`,
        'ok',
        { before: { callsPerMinute: null }, after: { callsPerMinute: 30 } },
      ],
      [
        TOOL_LIMIT_METHOD,
        'search',
        `user:${a.admin.id}`,
        'ok',
        { before: { callsPerMinute: 30 }, after: { callsPerMinute: null } },
      ],
    ]);
  });

  it('recompiles the gateways exposing the server, only when it changes, and the snapshot carries it', async () => {
    const { entry, installation, search, lookup } = await world(a);
    const gateway = await seedGateway(env.db.db, a.tenant.id);
    await seedAssignments(env.db.db, a.tenant.id, gateway.id, [
      { registryEntryId: entry.id, toolName: 'search' },
      { registryEntryId: entry.id, toolName: 'lookup' },
    ]);
    const replica = await recordInvalidations(env.newBus());
    try {
      const set = (callsPerMinute: number | null) =>
        setToolLimit({
          ...as(a),
          installationId: installation.id,
          toolId: search.id,
          input: { callsPerMinute },
        });
      await set(120);
      const version = await configVersion(a);
      await set(120);
      expect(await configVersion(a)).toBe(version);
      await setToolLimit({
        ...as(a),
        installationId: installation.id,
        toolId: lookup.id,
        input: { callsPerMinute: 7 },
      });

      const loaded = await loadGatewaySnapshot(env.db.db, a.tenant.slug, gateway.slug);
      if (loaded.kind !== 'found') throw new Error('gateway not found');
      const served = loaded.snapshot.installations.find((i) => i.id === installation.id);
      expect(served?.toolLimits).toEqual({ lookup: 7, search: 120 });

      await set(null);
      const changed = { kind: 'gateway', tenantId: a.tenant.id, gatewayId: gateway.id };
      await eventually(() =>
        expect(replica.messages).toEqual([
          { ...changed, reason: 'tool limit changed' },
          { ...changed, reason: 'tool limit changed' },
          { ...changed, reason: 'tool limit removed' },
        ]),
      );
      const after = await loadGatewaySnapshot(env.db.db, a.tenant.slug, gateway.slug);
      if (after.kind !== 'found') throw new Error('gateway not found');
      expect(after.snapshot.installations.find((i) => i.id === installation.id)?.toolLimits).toEqual({
        lookup: 7,
      });
    } finally {
      await replica.stop();
    }
  });
});
