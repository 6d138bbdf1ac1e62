import { parsePlansConfig } from '@toolgate/core/plans';
import { tenants } from '@toolgate/db/schema';
import { seedApiToken } from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../../testing/api-test-env.ts';
import { failed, ok, restClient, type RestCall } from '../../testing/rest-client.ts';
import { recordUsage, usageEvent } from '../../testing/usage-world.ts';
import { callerAs, testServices, trpcError } from '../../trpc/testing/trpc-test-env.ts';
import { ZQuotaStatus } from './get-quota-status.ts';

/** GET /usage/quota and quota.get: any member reads their own workspace's quota, never another's. */

const plans = parsePlansConfig(
  JSON.stringify({
    plans: { free: { limits: { callsPerMonth: 4, callsPerMinutePerUser: 30 } } },
    defaultPlan: 'free',
  }),
  'test',
);

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
let call: RestCall;

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  call = restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'https://mcp.example.test', plans });
  const now = Date.now();
  await recordUsage(env.db, [
    usageEvent(a.tenant.id, now),
    usageEvent(a.tenant.id, now),
    usageEvent(a.tenant.id, now),
  ]);
  await env.db.db
    .update(tenants)
    .set({ limitOverrides: { callsPerMonth: 100 } })
    .where(eq(tenants.id, b.tenant.id));
});
afterAll(async () => {
  await env?.close();
});

describe('GET /usage/quota', () => {
  it("answers a member's token with the workspace's consumption and limits", async () => {
    const status = ok(await call('GET', '/usage/quota', { token: a.memberToken }), 200, ZQuotaStatus);
    expect(status).toMatchObject({ callsPerMonth: 4, source: 'plan', used: 3, percent: 75, level: 'ok' });
    expect(status.perMinute.callsPerMinutePerUser).toEqual({ limit: 30, source: 'plan' });
    expect(Date.parse(status.period.end)).toBeGreaterThan(Date.now());
    const byAdmin = ok(await call('GET', '/usage/quota', { token: a.adminToken }), 200, ZQuotaStatus);
    expect(byAdmin.used).toBe(3);
  });

  it("another workspace's token sees its own quota, never this one's", async () => {
    const theirs = ok(await call('GET', '/usage/quota', { token: b.adminToken }), 200, ZQuotaStatus);
    expect(theirs).toMatchObject({ callsPerMonth: 100, source: 'override', used: 0, level: 'ok' });
  });

  it('answers 401 without a token and 403 for a token without the admin capability', async () => {
    failed(await call('GET', '/usage/quota'), 401, 'UNAUTHORIZED');
    const mcpOnly = await seedApiToken(env.db.db, a.tenant.id, { capabilities: ['mcp'] });
    failed(await call('GET', '/usage/quota', { token: mcpOnly.token }), 403, 'FORBIDDEN');
  });
});

describe('quota.get', () => {
  const services = testServices({ plans });
  afterAll(async () => {
    await services.bus.close();
  });

  it('a member reads the workspace quota', async () => {
    const member = await callerAs(env.db.db, services, a.member.id, a.tenant.slug);
    expect(await member.quota.get()).toMatchObject({ callsPerMonth: 4, used: 3, level: 'ok' });
  });

  it("a member of another workspace cannot read this one's", async () => {
    const outsider = await callerAs(env.db.db, services, b.admin.id, a.tenant.slug);
    expect((await trpcError(outsider.quota.get())).code).toBe('NOT_FOUND');
    const own = await callerAs(env.db.db, services, b.admin.id, b.tenant.slug);
    expect(await own.quota.get()).toMatchObject({ used: 0, callsPerMonth: 100 });
  });

  it('signed out, nothing is answered', async () => {
    const anonymous = await callerAs(env.db.db, services, null, a.tenant.slug);
    expect((await trpcError(anonymous.quota.get())).code).toBe('UNAUTHORIZED');
  });
});
