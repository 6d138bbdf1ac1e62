import { createBus } from '@toolgate/bus';
import { createTestDatabase, type TestDatabase } from '@toolgate/db/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedUsageWorld, type UsageWorld } from '../testing/usage-world.ts';
import { callerAs, testServices, trpcError } from './testing/trpc-test-env.ts';

let db: TestDatabase;
let a: UsageWorld;
let b: UsageWorld;
const bus = createBus({});
const services = testServices({ bus });

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  const now = Date.now();
  [a, b] = await Promise.all([seedUsageWorld(db, now), seedUsageWorld(db, now)]);
});
afterAll(async () => {
  await bus.close();
  await db?.destroy();
});

const callerFor = (userId: string, world: UsageWorld) =>
  callerAs(db.db, services, userId, world.org.tenant.slug);

describe('usage through tRPC', () => {
  it('an admin sees the workspace: summary, graph, facets, a page of logs and one call', async () => {
    const admin = await callerFor(a.org.admin.id, a);
    const summary = await admin.usage.summary({ range: '24h' });
    expect(summary.totals).toMatchObject({ calls: 10, errors: 3 });
    const graph = await admin.usage.graph({});
    expect(graph.nodes.some((n) => n.label === 'Everything server')).toBe(true);
    const facets = await admin.usage.facets({});
    expect(facets.tools.map((t) => t.id)).toContain('echo');
    const page = await admin.usage.logs({ tool: 'fail', limit: 10 });
    expect(page.events).toHaveLength(1);
    const event = await admin.usage.event({ id: page.events[0]!.id });
    expect(event.request).toEqual({ message: 'hello from fail' });
  });

  it('a member sees their own calls and cannot change the retention', async () => {
    const member = await callerFor(a.org.member.id, a);
    expect((await member.usage.summary({})).totals.calls).toBe(2);
    expect((await member.usage.logs({})).events.map((e) => e.caller?.id)).toEqual([a.byMember, a.byMember]);
    expect(await member.usage.retention()).toEqual({ days: 30, isDefault: true });
    expect((await trpcError(member.usage.setRetention({ days: 7 }))).code).toBe('FORBIDDEN');
  });

  it('an admin changes the retention within 1–365 days', async () => {
    const owner = await callerFor(a.org.owner.id, a);
    expect((await trpcError(owner.usage.setRetention({ days: 0 }))).code).toBe('BAD_REQUEST');
    expect(await owner.usage.setRetention({ days: 90 })).toEqual({ days: 90, isDefault: false });
    expect(await owner.usage.retention()).toEqual({ days: 90, isDefault: false });
    expect(await (await callerFor(b.org.owner.id, b)).usage.retention()).toEqual({
      days: 30,
      isDefault: true,
    });
  });

  it("never reaches another workspace's calls", async () => {
    const adminA = await callerFor(a.org.admin.id, a);
    const theirEvent = (await (await callerFor(b.org.admin.id, b)).usage.logs({})).events[0]!;
    expect((await trpcError(adminA.usage.event({ id: theirEvent.id }))).code).toBe('NOT_FOUND');
    expect((await adminA.usage.summary({ gatewayId: b.gateway.id })).totals.calls).toBe(0);
    // B's admin naming A's workspace is not a member there.
    const outsider = await callerAs(db.db, services, b.org.admin.id, a.org.tenant.slug);
    expect((await trpcError(outsider.usage.summary({}))).code).toBe('NOT_FOUND');
  });
});
