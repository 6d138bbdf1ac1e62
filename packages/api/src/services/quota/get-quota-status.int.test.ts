import { AppError } from '@toolgate/core/errors';
import { parsePlansConfig } from '@toolgate/core/plans';
import { tenants } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../../testing/api-test-env.ts';
import { recordUsage, usageEvent } from '../../testing/usage-world.ts';
import { getQuotaStatus } from './get-quota-status.ts';

const plans = parsePlansConfig(
  JSON.stringify({
    defaultPlan: 'free',
    plans: {
      free: { title: 'Free', limits: { callsPerMonth: 10, callsPerMinute: 5, callsPerMinutePerToken: 2 } },
      big: { title: 'Big', limits: {} },
    },
  }),
  'test',
);

const MARCH_15 = Date.parse('2026-03-15T12:00:00Z');
const APRIL_1 = Date.parse('2026-04-01T00:00:00Z');

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  const at = (ms: number, overrides: Parameters<typeof usageEvent>[2] = {}) =>
    usageEvent(a.tenant.id, ms, overrides);
  await recordUsage(env.db, [
    // Counted: tools/call that ran, whatever the tool answered.
    at(MARCH_15),
    at(MARCH_15 - 86_400_000),
    at(MARCH_15, { toolName: 'fail', status: 'tool_error' }),
    at(MARCH_15, { status: 'error', errorCode: -32603 }),
    at(Date.parse('2026-03-01T00:00:00Z')),
    // Not counted: refused calls, other methods, other months.
    at(MARCH_15, { status: 'denied', policyOutcome: 'deny:quota_exceeded' }),
    at(MARCH_15, { status: 'denied', policyOutcome: 'deny:rate_limited' }),
    at(MARCH_15, { method: 'tools/list' }),
    at(MARCH_15, { method: 'initialize' }),
    at(Date.parse('2026-02-28T23:59:59.999Z')),
    at(APRIL_1),
  ]);
  // Another tenant's calls in the same month count for it alone.
  await recordUsage(env.db, [usageEvent(b.tenant.id, MARCH_15), usageEvent(b.tenant.id, MARCH_15)]);
});
afterAll(async () => {
  await env?.close();
});

const statusOf = (org: SeededOrg, now: number) =>
  getQuotaStatus({ db: env.db.db, tenantId: org.tenant.id, plans, now: new Date(now) });

const setOverrides = (org: SeededOrg, overrides: Record<string, number | null>) =>
  env.db.db.update(tenants).set({ limitOverrides: overrides }).where(eq(tenants.id, org.tenant.id));

describe('getQuotaStatus', () => {
  it("counts this UTC month's tool calls that ran, against the plan's quota", async () => {
    await setOverrides(a, {});
    const status = await statusOf(a, MARCH_15);
    expect(status).toEqual({
      plan: { name: 'free', title: 'Free' },
      period: { start: '2026-03-01T00:00:00.000Z', end: '2026-04-01T00:00:00.000Z' },
      callsPerMonth: 10,
      source: 'plan',
      used: 5,
      percent: 50,
      level: 'ok',
      perMinute: {
        callsPerMinute: { limit: 5, source: 'plan' },
        callsPerMinutePerToken: { limit: 2, source: 'plan' },
        callsPerMinutePerUser: { limit: null, source: 'plan' },
      },
    });
  });

  it('starts afresh at the first instant of the next month, and keeps the last instant of the month', async () => {
    await setOverrides(a, {});
    const april = await statusOf(a, APRIL_1);
    expect(april.period).toEqual({ start: '2026-04-01T00:00:00.000Z', end: '2026-05-01T00:00:00.000Z' });
    expect(april.used).toBe(1);
    expect((await statusOf(a, APRIL_1 - 1)).used).toBe(5);
    const february = await statusOf(a, Date.parse('2026-02-10T00:00:00Z'));
    expect(february.used).toBe(1);
  });

  it('warns from 80% and says exceeded at 100%, with an override as the source', async () => {
    await setOverrides(a, { callsPerMonth: 6, callsPerMinutePerUser: 3 });
    const warning = await statusOf(a, MARCH_15);
    expect(warning).toMatchObject({
      callsPerMonth: 6,
      source: 'override',
      used: 5,
      percent: 83,
      level: 'warning',
    });
    expect(warning.perMinute.callsPerMinutePerUser).toEqual({ limit: 3, source: 'override' });
    await setOverrides(a, { callsPerMonth: 7 });
    expect(await statusOf(a, MARCH_15)).toMatchObject({ percent: 71, level: 'ok' });
    await setOverrides(a, { callsPerMonth: 5 });
    expect(await statusOf(a, MARCH_15)).toMatchObject({ percent: 100, level: 'exceeded' });
    await setOverrides(a, { callsPerMonth: 4 });
    expect(await statusOf(a, MARCH_15)).toMatchObject({ used: 5, percent: 125, level: 'exceeded' });
  });

  it('has no quota on a plan without one, or when the override lifts it', async () => {
    await setOverrides(a, { callsPerMonth: null });
    expect(await statusOf(a, MARCH_15)).toMatchObject({
      callsPerMonth: null,
      source: 'override',
      used: 5,
      percent: null,
      level: 'ok',
    });
    await setOverrides(a, {});
    await env.db.db.update(tenants).set({ plan: 'big' }).where(eq(tenants.id, a.tenant.id));
    try {
      expect(await statusOf(a, MARCH_15)).toMatchObject({
        plan: { name: 'big', title: 'Big' },
        callsPerMonth: null,
        source: 'plan',
        percent: null,
        level: 'ok',
      });
    } finally {
      await env.db.db.update(tenants).set({ plan: null }).where(eq(tenants.id, a.tenant.id));
    }
  });

  it("counts each tenant's own calls only", async () => {
    await setOverrides(a, {});
    expect((await statusOf(b, MARCH_15)).used).toBe(2);
    expect((await statusOf(a, MARCH_15)).used).toBe(5);
  });

  it('answers NOT_FOUND for a workspace that does not exist', async () => {
    const err = await failureOf(() =>
      getQuotaStatus({ db: env.db.db, tenantId: '00000000-0000-4000-8000-000000000000', plans }),
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('NOT_FOUND');
  });
});
