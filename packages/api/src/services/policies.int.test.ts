import { snapshotKey } from '@toolgate/bus';
import { loadGatewaySnapshot } from '@toolgate/db/gateway-snapshot';
import { policies, policyGateways, tenants } from '@toolgate/db/schema';
import { seedGateway, seedPolicy, seedTeam } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  recordInvalidations,
  type ApiTestEnv,
  type SeededOrg,
} from '../testing/api-test-env.ts';
import { createPolicy } from './create-policy.ts';
import { deleteGateway } from './delete-gateway.ts';
import { deletePolicy } from './delete-policy.ts';
import { getPolicy } from './get-policy.ts';
import { listPolicies } from './list-policies.ts';
import { updatePolicy } from './update-policy.ts';

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

const DENY_DELETE = {
  name: 'No deletes',
  condition: 'tool.name.startsWith("delete_") && caller.role != "owner"',
  action: 'deny' as const,
  message: 'Ask an owner to delete things.',
};

describe('policies', () => {
  it('creates, reads, updates and deletes a policy, with defaults and the evaluation order', async () => {
    const gateway = await seedGateway(env.db.db, a.tenant.id);
    const created = await createPolicy({ ...opts(a), input: DENY_DELETE });
    expect(created).toMatchObject({
      ...DENY_DELETE,
      description: '',
      gatewayIds: null,
      priority: 0,
      enabled: true,
      createdBy: a.admin.id,
    });
    expect(await getPolicy({ ...opts(a, 'member'), policyId: created.id })).toEqual(created);

    const high = await createPolicy({
      ...opts(a, 'owner'),
      input: {
        name: 'Approve sends',
        description: 'Sending out needs a human',
        gatewayIds: [gateway.id, gateway.id.toUpperCase()],
        priority: 100,
        condition: '"external-send" in tool.labels',
        action: 'require_approval',
      },
    });
    expect(high).toMatchObject({ gatewayIds: [gateway.id], priority: 100, message: '' });
    // Members read the rules their calls are held to, highest priority first.
    const listed = await listPolicies(opts(a, 'member'));
    expect(listed.map((p) => p.id)).toEqual([high.id, created.id]);
    expect(listed[0]).toEqual(high);

    const updated = await updatePolicy({
      ...opts(a),
      policyId: created.id,
      input: { priority: 200, enabled: false, gatewayIds: [gateway.id], description: 'off for now' },
    });
    expect(updated).toMatchObject({
      ...DENY_DELETE,
      priority: 200,
      enabled: false,
      gatewayIds: [gateway.id],
      description: 'off for now',
    });
    expect(await getPolicy({ ...opts(a), policyId: created.id })).toEqual(updated);
    const wide = await updatePolicy({ ...opts(a), policyId: created.id, input: { gatewayIds: null } });
    expect(wide.gatewayIds).toBeNull();
    expect(
      await env.db.db.select().from(policyGateways).where(eq(policyGateways.policyId, created.id)),
    ).toEqual([]);

    await deletePolicy({ ...opts(a), policyId: created.id });
    expect((await failureOf(() => getPolicy({ ...opts(a), policyId: created.id }))).code).toBe('NOT_FOUND');
    expect((await listPolicies(opts(a))).map((p) => p.id)).not.toContain(created.id);
    await deletePolicy({ ...opts(a), policyId: high.id });
  });

  it('refuses a condition that does not type-check, saying where, on the condition field', async () => {
    const bad = await failureOf(() =>
      createPolicy({ ...opts(a), input: { ...DENY_DELETE, name: 'typo', condition: 'tool.nam == "x"' } }),
    );
    expect(bad.code).toBe('INVALID');
    expect(bad.details).toEqual({
      fields: [{ path: 'condition', message: 'line 1, column 6: No such key: nam' }],
      condition: { message: 'No such key: nam', offset: 5, line: 1, column: 6 },
    });

    const second = await failureOf(() =>
      createPolicy({
        ...opts(a),
        input: { ...DENY_DELETE, name: 'two lines', condition: 'caller.teams.exists(t, t == "x")\n && foo' },
      }),
    );
    expect(second.details?.condition).toEqual({
      message: 'Unknown variable: foo',
      offset: 37,
      line: 2,
      column: 5,
    });

    const notBool = await failureOf(() =>
      createPolicy({ ...opts(a), input: { ...DENY_DELETE, name: 'int', condition: '1 + 1' } }),
    );
    expect(notBool.message).toBe('condition: line 1, column 1: The condition must be true or false, not int');

    const policy = await createPolicy({ ...opts(a), input: { ...DENY_DELETE, name: 'kept as it was' } });
    const onUpdate = await failureOf(() =>
      updatePolicy({ ...opts(a), policyId: policy.id, input: { condition: 'args.x +' } }),
    );
    expect(onUpdate.code).toBe('INVALID');
    const fields = onUpdate.details?.fields as { path: string; message: string }[];
    expect(fields.map((f) => f.path)).toEqual(['condition']);
    expect(fields[0]!.message).toMatch(/^line 1, column \d+: /);
    expect((await getPolicy({ ...opts(a), policyId: policy.id })).condition).toBe(DENY_DELETE.condition);
    await deletePolicy({ ...opts(a), policyId: policy.id });
    expect(await env.db.db.select().from(policies).where(eq(policies.name, 'typo'))).toEqual([]);
  });

  it('validates the other fields, naming them, and refuses an empty gateway list', async () => {
    const bad = await failureOf(() =>
      createPolicy({
        ...opts(a),
        input: {
          name: '',
          condition: 'true',
          // @ts-expect-error: not an action
          action: 'block',
          priority: 1.5,
          gatewayIds: [],
        },
      }),
    );
    expect(bad.code).toBe('INVALID');
    const paths = (bad.details?.fields as { path: string; message: string }[]).map((f) => f.path).sort();
    expect(paths).toEqual(['action', 'gatewayIds', 'name', 'priority']);
    expect(bad.message).toContain(
      'gatewayIds: choose at least one gateway, or null for every gateway of the workspace',
    );

    const nothing = await failureOf(() =>
      updatePolicy({ ...opts(a), policyId: '00000000-0000-4000-8000-000000000000', input: {} }),
    );
    expect(nothing.code).toBe('INVALID');
  });

  it('refuses a second policy with the same name, whatever its case', async () => {
    const first = await createPolicy({ ...opts(a), input: { ...DENY_DELETE, name: 'Unique name' } });
    const again = await failureOf(() =>
      createPolicy({ ...opts(a), input: { ...DENY_DELETE, name: 'unique NAME' } }),
    );
    expect(again.code).toBe('CONFLICT');
    expect(again.details?.fields).toEqual([
      { path: 'name', message: '"unique NAME" is taken by another policy' },
    ]);
    const other = await createPolicy({ ...opts(a), input: { ...DENY_DELETE, name: 'Other name' } });
    expect(
      (
        await failureOf(() =>
          updatePolicy({ ...opts(a), policyId: other.id, input: { name: 'UNIQUE name' } }),
        )
      ).code,
    ).toBe('CONFLICT');
    // Another workspace may use it.
    const inB = await createPolicy({ ...opts(b), input: { ...DENY_DELETE, name: 'Unique name' } });
    for (const [org, id] of [
      [a, first.id],
      [a, other.id],
      [b, inB.id],
    ] as const)
      await deletePolicy({ ...opts(org), policyId: id });
  });

  it('lets members read but not write', async () => {
    const policy = await createPolicy({ ...opts(a), input: { ...DENY_DELETE, name: 'members read' } });
    expect((await getPolicy({ ...opts(a, 'member'), policyId: policy.id })).id).toBe(policy.id);
    for (const attempt of [
      () => createPolicy({ ...opts(a, 'member'), input: { ...DENY_DELETE, name: 'by a member' } }),
      () => updatePolicy({ ...opts(a, 'member'), policyId: policy.id, input: { enabled: false } }),
      () => deletePolicy({ ...opts(a, 'member'), policyId: policy.id }),
    ]) {
      const refused = await failureOf(attempt);
      expect(refused.code).toBe('FORBIDDEN');
      expect(refused.message).toMatch(/^Only owners and admins may (create|change|delete) policies$/);
    }
    expect(await getPolicy({ ...opts(a), policyId: policy.id })).toEqual(policy);
    await deletePolicy({ ...opts(a), policyId: policy.id });
  });

  it("neither shows nor touches another workspace's policies, nor takes its gateways", async () => {
    const theirs = await createPolicy({ ...opts(b), input: { ...DENY_DELETE, name: 'theirs' } });
    expect((await listPolicies(opts(a))).map((p) => p.id)).not.toContain(theirs.id);
    for (const attempt of [
      () => getPolicy({ ...opts(a), policyId: theirs.id }),
      () => updatePolicy({ ...opts(a), policyId: theirs.id, input: { enabled: false } }),
      () => deletePolicy({ ...opts(a), policyId: theirs.id }),
    ])
      expect((await failureOf(attempt)).code).toBe('NOT_FOUND');
    expect(await getPolicy({ ...opts(b), policyId: theirs.id })).toEqual(theirs);

    const theirGateway = await seedGateway(env.db.db, b.tenant.id);
    const mine = await seedGateway(env.db.db, a.tenant.id);
    const onCreate = await failureOf(() =>
      createPolicy({
        ...opts(a),
        input: { ...DENY_DELETE, name: 'their gateway', gatewayIds: [mine.id, theirGateway.id] },
      }),
    );
    expect(onCreate.code).toBe('NOT_FOUND');
    expect(onCreate.details?.fields).toEqual([
      { path: 'gatewayIds', message: `gateway ${theirGateway.id} not found` },
    ]);
    const policy = await createPolicy({
      ...opts(a),
      input: { ...DENY_DELETE, name: 'my gateway', gatewayIds: [mine.id] },
    });
    const onUpdate = await failureOf(() =>
      updatePolicy({ ...opts(a), policyId: policy.id, input: { gatewayIds: [theirGateway.id] } }),
    );
    expect(onUpdate.code).toBe('NOT_FOUND');
    expect((await getPolicy({ ...opts(a), policyId: policy.id })).gatewayIds).toEqual([mine.id]);
    await deletePolicy({ ...opts(a), policyId: policy.id });
    await deletePolicy({ ...opts(b), policyId: theirs.id });
  });

  it('applies nowhere, not everywhere, once every gateway it named is deleted', async () => {
    const gateway = await seedGateway(env.db.db, a.tenant.id);
    const policy = await createPolicy({
      ...opts(a),
      input: { ...DENY_DELETE, name: 'one gateway', gatewayIds: [gateway.id] },
    });
    await deleteGateway({ ...opts(a), gatewayId: gateway.id });
    expect((await getPolicy({ ...opts(a), policyId: policy.id })).gatewayIds).toEqual([]);
    await deletePolicy({ ...opts(a), policyId: policy.id });
  });
});

type GatewayRow = Awaited<ReturnType<typeof seedGateway>>;
/** Shared snapshot copies as a proxy stores them; a change drops those it makes stale. */
const cacheSnapshots = (...gateways: GatewayRow[]) =>
  Promise.all(gateways.map((g) => env.bus.sharedCache.set(snapshotKey(a.tenant.slug, g.slug), '{}', 600)));
const cachedSnapshots = (...gateways: GatewayRow[]) =>
  Promise.all(
    gateways.map(async (g) => (await env.bus.sharedCache.get(snapshotKey(a.tenant.slug, g.slug))) !== null),
  );

/** Workspace A's configuration version: every recorded change raises it. */
async function configVersion(): Promise<number> {
  const [row] = await env.db.db
    .select({ v: tenants.configVersion })
    .from(tenants)
    .where(eq(tenants.id, a.tenant.id));
  return row!.v;
}

describe('policy changes reach the proxies', () => {
  it('invalidates the gateways a policy applied to and applies to, and every gateway for a workspace-wide one', async () => {
    const [g1, g2, g3] = await Promise.all([
      seedGateway(env.db.db, a.tenant.id),
      seedGateway(env.db.db, a.tenant.id),
      seedGateway(env.db.db, a.tenant.id),
    ]);
    const bGateway = await seedGateway(env.db.db, b.tenant.id);
    const replica = await recordInvalidations(env.newBus());
    try {
      const gatewayMessage = (gatewayId: string, reason: string) => ({
        kind: 'gateway',
        tenantId: a.tenant.id,
        gatewayId,
        reason,
      });
      const policy = await createPolicy({
        ...opts(a),
        input: { ...DENY_DELETE, name: 'moves around', gatewayIds: [g1.id] },
      });
      await eventually(() =>
        expect(replica.messages).toContainEqual(gatewayMessage(g1.id, 'policy created')),
      );

      // Moved from g1 to g2: both must recompile, g3 need not (its shared snapshot stays).
      await cacheSnapshots(g1, g2, g3);
      replica.messages.length = 0;
      await updatePolicy({ ...opts(a), policyId: policy.id, input: { gatewayIds: [g2.id] } });
      expect(await cachedSnapshots(g1, g2, g3)).toEqual([false, false, true]);
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'tenant',
          tenantId: a.tenant.id,
          reason: 'policy updated',
        }),
      );

      // Only g2 holds it now.
      replica.messages.length = 0;
      await updatePolicy({ ...opts(a), policyId: policy.id, input: { message: 'changed' } });
      await eventually(() =>
        expect(replica.messages).toContainEqual(gatewayMessage(g2.id, 'policy updated')),
      );
      expect(replica.messages.filter((m) => m.kind === 'tenant')).toEqual([]);

      // Disabled, then changed while disabled: the second write is in no snapshot, nothing to send.
      await updatePolicy({ ...opts(a), policyId: policy.id, input: { enabled: false } });
      await eventually(() => expect(replica.messages).toHaveLength(2));
      const version = await configVersion();
      await updatePolicy({ ...opts(a), policyId: policy.id, input: { gatewayIds: [g3.id] } });
      await deletePolicy({ ...opts(a), policyId: policy.id });
      expect(await configVersion()).toBe(version);
      await cacheSnapshots(g1, g2, g3);
      const wide = await createPolicy({ ...opts(a), input: { ...DENY_DELETE, name: 'everywhere' } });
      expect(await cachedSnapshots(g1, g2, g3)).toEqual([false, false, false]);
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'tenant',
          tenantId: a.tenant.id,
          reason: 'policy created',
        }),
      );
      expect(replica.messages.map((m) => m.reason)).toEqual([
        'policy updated',
        'policy updated',
        'policy created',
      ]);

      replica.messages.length = 0;
      await deletePolicy({ ...opts(a), policyId: wide.id });
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'tenant',
          tenantId: a.tenant.id,
          reason: 'policy deleted',
        }),
      );
      // Workspace B's gateways were never told.
      expect(replica.messages.filter((m) => m.tenantId === b.tenant.id)).toEqual([]);
      expect(bGateway.tenantId).toBe(b.tenant.id);
    } finally {
      await replica.stop();
    }
  });

  it('needs no recompilation for a policy created disabled', async () => {
    const gateway = await seedGateway(env.db.db, a.tenant.id);
    const replica = await recordInvalidations(env.newBus());
    try {
      const version = await configVersion();
      const off = await createPolicy({
        ...opts(a),
        input: { ...DENY_DELETE, name: 'created off', enabled: false, gatewayIds: [gateway.id] },
      });
      expect(await configVersion()).toBe(version);
      // A later enabled write to the same gateway is the first message the replica sees.
      await updatePolicy({ ...opts(a), policyId: off.id, input: { enabled: true } });
      await eventually(() => expect(replica.messages).toHaveLength(1));
      expect(replica.messages[0]).toMatchObject({ gatewayId: gateway.id, reason: 'policy updated' });
      await deletePolicy({ ...opts(a), policyId: off.id });
    } finally {
      await replica.stop();
    }
  });

  it('seeds policies for other tests', async () => {
    const row = await seedPolicy(env.db.db, a.tenant.id, { name: 'seeded', action: 'allow' });
    expect((await getPolicy({ ...opts(a), policyId: row.id })).gatewayIds).toBeNull();
    await deletePolicy({ ...opts(a), policyId: row.id });
  });
});

describe('the gateway snapshot', () => {
  it("carries the gateway's enabled policies: workspace-wide ones and those naming it, highest priority first", async () => {
    const [mine, other] = await Promise.all([
      seedGateway(env.db.db, a.tenant.id),
      seedGateway(env.db.db, a.tenant.id),
    ]);
    const created = await Promise.all([
      createPolicy({ ...opts(a), input: { ...DENY_DELETE, name: 'snap wide', priority: 1 } }),
      createPolicy({
        ...opts(a),
        input: { ...DENY_DELETE, name: 'snap mine', priority: 7, gatewayIds: [mine.id], action: 'allow' },
      }),
      createPolicy({ ...opts(a), input: { ...DENY_DELETE, name: 'snap other', gatewayIds: [other.id] } }),
      createPolicy({ ...opts(a), input: { ...DENY_DELETE, name: 'snap off', enabled: false } }),
      createPolicy({ ...opts(b), input: { ...DENY_DELETE, name: 'snap theirs' } }),
    ]);
    const [wide, onMine] = created;
    const load = async () => {
      const loaded = await loadGatewaySnapshot(env.db.db, a.tenant.slug, mine.slug);
      if (loaded.kind !== 'found') throw new Error('gateway not found');
      return loaded.snapshot;
    };
    const snapshot = await load();
    const asCompiled = (p: (typeof created)[number]) => ({
      id: p.id,
      name: p.name,
      priority: p.priority,
      action: p.action,
      condition: p.condition,
      message: p.message,
    });
    expect(snapshot.policies).toEqual([asCompiled(onMine), asCompiled(wide)]);

    // A write changes what the next compilation serves, and its version.
    await updatePolicy({ ...opts(a), policyId: onMine.id, input: { enabled: false } });
    const after = await load();
    expect(after.policies).toEqual([asCompiled(wide)]);
    expect(after.version).not.toBe(snapshot.version);
    for (const [org, p] of [
      [a, created[0]],
      [a, created[1]],
      [a, created[2]],
      [a, created[3]],
      [b, created[4]],
    ] as const)
      await deletePolicy({ ...opts(org), policyId: p.id });
    expect('policies' in (await load())).toBe(false);
  });

  it('names who approves a require_approval policy, and nobody for other actions', async () => {
    const gateway = await seedGateway(env.db.db, a.tenant.id);
    const team = await seedTeam(env.db.db, a.tenant.id);
    const seeded = await Promise.all([
      seedPolicy(env.db.db, a.tenant.id, {
        action: 'require_approval',
        approvers: 'team',
        approverTeamId: team.id,
        gatewayIds: [gateway.id],
        priority: 3,
      }),
      seedPolicy(env.db.db, a.tenant.id, {
        action: 'require_approval',
        gatewayIds: [gateway.id],
        priority: 2,
      }),
      seedPolicy(env.db.db, a.tenant.id, {
        action: 'deny',
        approvers: 'admins',
        gatewayIds: [gateway.id],
        priority: 1,
      }),
    ]);
    const loaded = await loadGatewaySnapshot(env.db.db, a.tenant.slug, gateway.slug);
    if (loaded.kind !== 'found') throw new Error('gateway not found');
    expect(loaded.snapshot.policies?.map((p) => p.approvers)).toEqual([
      { kind: 'team', teamId: team.id },
      { kind: 'caller' },
      undefined,
    ]);
    for (const row of seeded) await deletePolicy({ ...opts(a), policyId: row.id });
  });
});
