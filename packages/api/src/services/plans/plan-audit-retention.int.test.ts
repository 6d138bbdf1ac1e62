import { parsePlansConfig, type PlansConfig } from '@toolgate/core/plans';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createApiTestEnv,
  failureOf,
  seedOrg,
  type ApiTestEnv,
  type SeededOrg,
} from '../../testing/api-test-env.ts';
import { getAuditRetention } from '../get-audit-retention.ts';
import { setAuditRetention } from '../set-audit-retention.ts';
import { setTenantLimits, setTenantPlan } from './set-tenant-plan.ts';

const plans: PlansConfig = parsePlansConfig(
  JSON.stringify({ plans: { free: { title: 'Free', limits: { auditRetentionDays: 7 } } } }),
  'test plans',
);

let env: ApiTestEnv;
beforeAll(async () => {
  env = await createApiTestEnv();
});
afterAll(async () => {
  await env?.close();
});

const as = (org: SeededOrg) => ({ ...actingAs(env, org), plans });
const read = (org: SeededOrg, withPlans = true) =>
  getAuditRetention({ db: env.db.db, tenantId: org.tenant.id, ...(withPlans ? { plans } : {}) });

describe('audit retention and the plan', () => {
  it("refuses more days than the plan allows, as a field error naming the plan's maximum", async () => {
    const [a, b] = [await seedOrg(env.db), await seedOrg(env.db)];
    await setTenantPlan({ db: env.db.db, plans, slug: a.tenant.slug, plan: 'free' });
    const refused = await failureOf(() => setAuditRetention({ ...as(a), input: { days: 30 } }));
    expect(refused).toMatchObject({
      code: 'INVALID',
      details: { fields: [{ path: 'days', message: 'at most 7 days on the Free plan' }], max: 7 },
    });
    // Nothing was stored: the default (30) capped by the plan.
    expect(await read(a)).toEqual({ days: 7, isDefault: true, planMaxDays: 7 });
    expect(await setAuditRetention({ ...as(a), input: { days: 7 } })).toEqual({
      days: 7,
      isDefault: false,
      planMaxDays: 7,
    });
    // B, on the default (unlimited) plan, is not held to A's plan.
    expect(await setAuditRetention({ ...as(b), input: { days: 90 } })).toEqual({
      days: 90,
      isDefault: false,
    });
    expect(await read(b)).toEqual({ days: 90, isDefault: false });
  });

  it('shows what is kept when a lowered plan is under the setting, and follows an override', async () => {
    const a = await seedOrg(env.db);
    await setAuditRetention({ ...as(a), input: { days: 60 } });
    await setTenantPlan({ db: env.db.db, plans, slug: a.tenant.slug, plan: 'free' });
    // The setting stays (nothing is rewritten), the worker keeps 7 days, and that is what is shown.
    expect(await read(a)).toEqual({ days: 7, isDefault: false, planMaxDays: 7 });
    expect(await read(a, false)).toEqual({ days: 60, isDefault: false });
    await setTenantLimits({ db: env.db.db, slug: a.tenant.slug, changes: { auditRetentionDays: 45 } });
    expect(await read(a)).toEqual({ days: 45, isDefault: false, planMaxDays: 45 });
    await setAuditRetention({ ...as(a), input: { days: 45 } });
    expect((await failureOf(() => setAuditRetention({ ...as(a), input: { days: 46 } }))).code).toBe(
      'INVALID',
    );
  });

  it('without plans configured, any allowed number of days is accepted', async () => {
    const a = await seedOrg(env.db);
    await setTenantPlan({ db: env.db.db, plans, slug: a.tenant.slug, plan: 'free' });
    const { plans: _none, ...withoutPlans } = as(a);
    expect(await setAuditRetention({ ...withoutPlans, input: { days: 365 } })).toEqual({
      days: 365,
      isDefault: false,
    });
  });
});
