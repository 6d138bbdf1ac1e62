import { parsePlansConfig, type PlansConfig } from '@toolgate/core/plans';
import { gateways, installations, memberships } from '@toolgate/db/schema';
import { randomSlug, seedUser } from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actingAs,
  createApiTestEnv,
  failureOf,
  seedOrg,
  type ApiTestEnv,
  type SeededOrg,
} from '../../testing/api-test-env.ts';
import { createOutboxMailer } from '../../testing/outbox-mailer.ts';
import { acceptInvitation } from '../accept-invitation.ts';
import { createGateway } from '../create-gateway.ts';
import { createInstallation } from '../create-installation.ts';
import { createInvitation } from '../create-invitation.ts';
import { createRegistryEntry } from '../create-registry-entry.ts';
import { deleteGateway } from '../delete-gateway.ts';
import { getGateway } from '../get-gateway.ts';
import { signUpWithInvitation } from '../sign-up-with-invitation.ts';
import { updateGateway } from '../update-gateway.ts';
import { setTenantLimits, setTenantPlan } from './set-tenant-plan.ts';
import { tenantEntitlements } from './tenant-entitlements.ts';

const WEB = 'http://web.test';
const plans: PlansConfig = parsePlansConfig(
  JSON.stringify({
    plans: {
      small: {
        title: 'Small',
        limits: { gateways: 2, installations: 1, members: 5 },
        features: ['policies'],
      },
      big: { title: 'Big', limits: { gateways: 100 } },
    },
  }),
  'test plans',
);

let env: ApiTestEnv;
let everything: RunningEverythingServer;
beforeAll(async () => {
  [env, everything] = await Promise.all([createApiTestEnv(), startEverythingServer('streamableHttp')]);
});
afterAll(async () => {
  await env?.close();
  await everything?.close();
});

const as = (org: SeededOrg) => ({ ...actingAs(env, org), plans });
const gateway = (org: SeededOrg, slug: string) => createGateway({ ...as(org), input: { slug, name: slug } });
const gatewayCount = (org: SeededOrg) => env.db.db.$count(gateways, eq(gateways.tenantId, org.tenant.id));
const onPlan = async (org: SeededOrg, plan: string | null) =>
  setTenantPlan({ db: env.db.db, plans, slug: org.tenant.slug, plan });

describe('plan count limits', () => {
  it('refuses the gateway over the plan, naming the limit and the plan; other tenants are unaffected', async () => {
    const [a, b] = await Promise.all([seedOrg(env.db), seedOrg(env.db)]);
    await onPlan(a, 'small');
    await gateway(a, 'one');
    await gateway(a, 'two');
    const refused = await failureOf(() => gateway(a, 'three'));
    expect(refused).toMatchObject({
      code: 'PLAN_LIMIT',
      details: { limit: 'gateways', plan: 'small', max: 2, count: 2 },
    });
    expect(refused.message).toMatch(/The Small plan allows 2 gateways/);
    expect(await gatewayCount(a)).toBe(2);
    // B is on the deployment's default (unlimited) plan: A's limit is A's alone.
    for (const slug of ['one', 'two', 'three']) await gateway(b, slug);
    expect(await gatewayCount(b)).toBe(3);
  });

  it('keeps objects over a lowered plan working and refuses only new ones', async () => {
    const a = await seedOrg(env.db);
    const made = [];
    for (const slug of ['g1', 'g2', 'g3']) made.push(await gateway(a, slug));
    await onPlan(a, 'small');
    // Nothing is deleted; the three still read and update.
    expect(await gatewayCount(a)).toBe(3);
    expect((await getGateway({ ...as(a), gatewayId: made[2]!.id })).slug).toBe('g3');
    await updateGateway({ ...as(a), gatewayId: made[2]!.id, input: { name: 'Renamed' } });
    expect((await failureOf(() => gateway(a, 'g4'))).code).toBe('PLAN_LIMIT');
    // Back under the limit, one more fits again.
    await deleteGateway({ ...as(a), gatewayId: made[0]!.id });
    await deleteGateway({ ...as(a), gatewayId: made[1]!.id });
    await gateway(a, 'g5');
    expect((await failureOf(() => gateway(a, 'g6'))).code).toBe('PLAN_LIMIT');
  });

  it('admits exactly N of racing creates at a limit of N', async () => {
    const a = await seedOrg(env.db);
    await setTenantLimits({ db: env.db.db, slug: a.tenant.slug, changes: { gateways: 3 } });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => gateway(a, `race-${i}`)));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(refused).toHaveLength(5);
    for (const r of refused) expect(r.reason).toMatchObject({ code: 'PLAN_LIMIT' });
    expect(await gatewayCount(a)).toBe(3);
  });

  it('names an override as the workspace limit, and a cleared override falls back to the plan', async () => {
    const a = await seedOrg(env.db);
    await onPlan(a, 'big');
    await setTenantLimits({ db: env.db.db, slug: a.tenant.slug, changes: { gateways: 1 } });
    await gateway(a, 'only');
    const refused = await failureOf(() => gateway(a, 'more'));
    expect(refused.message).toMatch(/This workspace's limit \(set over the Big plan\) allows 1 gateways/);
    await setTenantLimits({ db: env.db.db, slug: a.tenant.slug, changes: { gateways: 'default' } });
    await gateway(a, 'more');
  });

  it('limits installations, racing ones included, per tenant', async () => {
    const [a, b] = await Promise.all([seedOrg(env.db), seedOrg(env.db)]);
    const entry = (org: SeededOrg) =>
      createRegistryEntry({
        ...as(org),
        input: { slug: 'everything', name: 'Everything', transport: 'streamable_http', url: everything.url },
      });
    const [entryA, entryB] = await Promise.all([entry(a), entry(b)]);
    await onPlan(a, 'small');
    const install = (org: SeededOrg, registryEntryId: string, name: string) =>
      createInstallation({
        ...as(org),
        allowPrivate: true,
        input: { registryEntryId, scope: 'org', name, values: {} },
      });
    const results = await Promise.allSettled(['x1', 'x2', 'x3'].map((n) => install(a, entryA.id, n)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refusal = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refusal.reason).toMatchObject({
      code: 'PLAN_LIMIT',
      details: { limit: 'installations', plan: 'small' },
    });
    expect(await env.db.db.$count(installations, eq(installations.tenantId, a.tenant.id))).toBe(1);
    await install(b, entryB.id, 'y1');
    await install(b, entryB.id, 'y2');
  });

  it('counts pending invitations as seats when inviting, and members when joining', async () => {
    const a = await seedOrg(env.db); // owner, admin and two members: 4 of 5
    await onPlan(a, 'small');
    const outbox = createOutboxMailer();
    const invite = (email: string) =>
      createInvitation({ ...as(a), mailer: outbox, publicWebUrl: WEB, input: { email, role: 'member' } });
    const tokenOf = (link: string) => link.slice(`${WEB}/invite/`.length);
    const [firstEmail, secondEmail] = [randomSlug('first'), randomSlug('second')].map(
      (s) => `${s}@example.test`,
    );
    const first = await invite(firstEmail!);
    const refused = await failureOf(() => invite(secondEmail!));
    expect(refused).toMatchObject({ code: 'PLAN_LIMIT', details: { limit: 'members', max: 5, count: 5 } });
    expect(refused.message).toMatch(/members and pending invitations/);

    // An operator raises the limit, two invitations go out, then the limit drops back to 5.
    await setTenantLimits({ db: env.db.db, slug: a.tenant.slug, changes: { members: 6 } });
    const second = await invite(secondEmail!);
    await setTenantLimits({ db: env.db.db, slug: a.tenant.slug, changes: { members: 'default' } });
    const joining = await seedUser(env.db.db, { email: firstEmail! });
    await acceptInvitation({ db: env.db.db, userId: joining.id, token: tokenOf(first.link), plans });
    const full = await failureOf(() =>
      signUpWithInvitation({
        db: env.db.db,
        plans,
        input: { token: tokenOf(second.link), name: 'Second', password: 'a long enough password 1' },
      }),
    );
    expect(full).toMatchObject({ code: 'PLAN_LIMIT', details: { limit: 'members', count: 5 } });
    expect(await env.db.db.$count(memberships, eq(memberships.tenantId, a.tenant.id))).toBe(5);
  });

  it('reports the plan, the effective limits with their sources, features and counts', async () => {
    const [a, b] = await Promise.all([seedOrg(env.db), seedOrg(env.db)]);
    await onPlan(a, 'small');
    await setTenantLimits({ db: env.db.db, slug: a.tenant.slug, changes: { installations: null } });
    await gateway(a, 'counted');
    await gateway(b, 'elsewhere');
    const got = await tenantEntitlements(env.db.db, a.tenant.id, plans);
    expect(got).toMatchObject({
      plan: { name: 'small', title: 'Small' },
      assignedPlan: 'small',
      planKnown: true,
      features: ['policies'],
      counts: { gateways: 1, installations: 0, members: 4 },
    });
    expect(got.limits).toMatchObject({ gateways: 2, installations: null, members: 5, callsPerMonth: null });
    expect(got.sources).toMatchObject({ gateways: 'plan', installations: 'override' });
    // Without plans configured, the tenant named a plan that no longer exists: the default applies.
    const fallback = await tenantEntitlements(env.db.db, a.tenant.id);
    expect(fallback).toMatchObject({ plan: { name: 'unlimited' }, planKnown: false });
  });

  it('refuses an unknown plan, naming the configured ones', async () => {
    const a = await seedOrg(env.db);
    const refused = await failureOf(() => onPlan(a, 'gold'));
    expect(refused).toMatchObject({ code: 'INVALID' });
    expect(refused.message).toBe('Unknown plan "gold"; the configured plans are: unlimited, small, big');
  });
});
