import { policies, storedApprovers, teams } from '@toolgate/db/schema';
import { seedGateway, seedTeam } from '@toolgate/db/testing';
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
import { getPolicy } from './get-policy.ts';
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

const opts = (org: SeededOrg) => actingAs(env, org, 'admin');
let n = 0;
const approval = (extra: Record<string, unknown> = {}) => ({
  name: `Needs a human ${++n}`,
  condition: '"external-send" in tool.labels',
  action: 'require_approval' as const,
  message: 'Sending out needs a human.',
  ...extra,
});

async function storedRow(policyId: string) {
  const [row] = await env.db.db.select().from(policies).where(eq(policies.id, policyId));
  return row!;
}

describe('policy approvers', () => {
  it('defaults a require_approval policy to the caller, and gives the others none', async () => {
    const held = await createPolicy({ ...opts(a), input: approval() });
    expect(held.approvers).toEqual({ kind: 'caller' });
    expect(storedApprovers(await storedRow(held.id))).toEqual({ kind: 'caller' });
    const deny = await createPolicy({
      ...opts(a),
      input: { name: `deny ${++n}`, condition: 'true', action: 'deny' },
    });
    expect(deny.approvers).toBeNull();
    expect(storedApprovers(await storedRow(deny.id))).toBeUndefined();
  });

  it('names the admins or a team of the workspace, as read back and as the proxy gets them', async () => {
    const admins = await createPolicy({ ...opts(a), input: approval({ approvers: { kind: 'admins' } }) });
    expect(admins.approvers).toEqual({ kind: 'admins' });
    const team = await seedTeam(env.db.db, a.tenant.id);
    const byTeam = await createPolicy({
      ...opts(a),
      input: approval({ approvers: { kind: 'team', teamId: team.id.toUpperCase() } }),
    });
    expect(byTeam.approvers).toEqual({ kind: 'team', teamId: team.id });
    expect(await getPolicy({ ...actingAs(env, a, 'member'), policyId: byTeam.id })).toEqual(byTeam);
    expect(storedApprovers(await storedRow(byTeam.id))).toEqual({ kind: 'team', teamId: team.id });

    // The team deleted: the workspace's owners and admins approve.
    await env.db.db.delete(teams).where(eq(teams.id, team.id));
    expect((await getPolicy({ ...opts(a), policyId: byTeam.id })).approvers).toEqual({
      kind: 'team',
      teamId: null,
    });
    expect(storedApprovers(await storedRow(byTeam.id))).toEqual({ kind: 'admins' });
  });

  it('refuses approvers on allow and deny policies, on the approvers field', async () => {
    for (const action of ['allow', 'deny'] as const) {
      const err = await failureOf(() =>
        createPolicy({ ...opts(a), input: approval({ action, approvers: { kind: 'admins' } }) }),
      );
      expect(err.code).toBe('INVALID');
      expect(err.details?.fields).toEqual([
        {
          path: 'approvers',
          message: `only require_approval policies name approvers (this one's action is ${action})`,
        },
      ]);
    }
    const deny = await createPolicy({
      ...opts(a),
      input: { name: `deny ${++n}`, condition: 'true', action: 'deny' },
    });
    const err = await failureOf(() =>
      updatePolicy({ ...opts(a), policyId: deny.id, input: { approvers: { kind: 'admins' } } }),
    );
    expect(err.code).toBe('INVALID');
    expect((await storedRow(deny.id)).approvers).toBe('caller');
  });

  it('refuses a team of another workspace, or a team kind without a team', async () => {
    const theirs = await seedTeam(env.db.db, b.tenant.id);
    const err = await failureOf(() =>
      createPolicy({ ...opts(a), input: approval({ approvers: { kind: 'team', teamId: theirs.id } }) }),
    );
    expect(err.code).toBe('NOT_FOUND');
    expect(err.details?.fields).toEqual([
      { path: 'approvers.teamId', message: 'is not a team of this workspace' },
    ]);
    const missing = await failureOf(() =>
      createPolicy({ ...opts(a), input: approval({ approvers: { kind: 'team' } }) }),
    );
    expect(missing.code).toBe('INVALID');
    expect(missing.details?.fields).toEqual([expect.objectContaining({ path: 'approvers.teamId' })]);
    const policy = await createPolicy({ ...opts(a), input: approval() });
    const onUpdate = await failureOf(() =>
      updatePolicy({
        ...opts(a),
        policyId: policy.id,
        input: { approvers: { kind: 'team', teamId: theirs.id } },
      }),
    );
    expect(onUpdate.code).toBe('NOT_FOUND');
    expect((await getPolicy({ ...opts(a), policyId: policy.id })).approvers).toEqual({ kind: 'caller' });
  });

  it('changes approvers, forgets them when the action changes, and recompiles the gateways', async () => {
    const gateway = await seedGateway(env.db.db, a.tenant.id);
    const team = await seedTeam(env.db.db, a.tenant.id);
    const policy = await createPolicy({ ...opts(a), input: approval({ gatewayIds: [gateway.id] }) });
    const replica = await recordInvalidations(env.newBus());
    try {
      const changed = await updatePolicy({
        ...opts(a),
        policyId: policy.id,
        input: { approvers: { kind: 'team', teamId: team.id } },
      });
      expect(changed.approvers).toEqual({ kind: 'team', teamId: team.id });
      await eventually(() =>
        expect(replica.messages).toContainEqual({
          kind: 'gateway',
          tenantId: a.tenant.id,
          gatewayId: gateway.id,
          reason: 'policy updated',
        }),
      );

      // Another change keeps the approvers; a new action drops them, and they do not come back.
      expect(
        (await updatePolicy({ ...opts(a), policyId: policy.id, input: { message: 'still held' } })).approvers,
      ).toEqual({ kind: 'team', teamId: team.id });
      expect(
        (await updatePolicy({ ...opts(a), policyId: policy.id, input: { action: 'deny' } })).approvers,
      ).toBeNull();
      expect(await storedRow(policy.id)).toMatchObject({ approvers: 'caller', approverTeamId: null });
      const back = await updatePolicy({
        ...opts(a),
        policyId: policy.id,
        input: { action: 'require_approval', approvers: { kind: 'admins' } },
      });
      expect(back.approvers).toEqual({ kind: 'admins' });
    } finally {
      await replica.stop();
    }
  });
});
