import { LATENCY_BUCKET_COUNT, latencyBucket } from '@toolgate/core/usage';
import { tenants } from '@toolgate/db/schema';
import { createTestDatabase, type TestDatabase } from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Actor } from '../actor.ts';
import { failureOf } from '../testing/api-test-env.ts';
import { recordUsage, seedUsageWorld, usageEvent, type UsageWorld } from '../testing/usage-world.ts';
import { histogramPercentile } from '../usage/latency-percentiles.ts';
import { getAuditEvent } from './get-audit-event.ts';
import { getAuditRetention } from './get-audit-retention.ts';
import { getUsageGraph } from './get-usage-graph.ts';
import { getUsageSummary } from './get-usage-summary.ts';
import { listAuditEvents } from './list-audit-events.ts';
import { listUsageFacets } from './list-usage-facets.ts';
import { setAuditRetention } from './set-audit-retention.ts';

const MIN = 60_000;

// Real Postgres when the run has one, and embedded PGlite: the bucketing and histogram SQL must
// behave the same on both.
const backends = [
  ['postgres', inject('postgresUrl')],
  ['embedded PGlite', ''],
].filter(([name, url]) => name === 'embedded PGlite' || url) as [string, string][];

describe.each(backends)('usage services on %s', (_name, url) => {
  let db: TestDatabase;
  let a: UsageWorld;
  let b: UsageWorld;
  const now = new Date();
  const NOW = now.getTime();

  beforeAll(async () => {
    db = await createTestDatabase(url);
    [a, b] = await Promise.all([seedUsageWorld(db, NOW), seedUsageWorld(db, NOW)]);
  });
  afterAll(async () => db?.destroy());

  const scope = (world: UsageWorld, actor: Actor = world.org.actors.admin) => ({
    db: db.db,
    tenantId: world.tenantId,
    actor,
    now,
  });
  const summary = (input: unknown, world = a, actor?: Actor) =>
    getUsageSummary({ ...scope(world, actor), input });
  const logs = (input: unknown, world = a, actor?: Actor) =>
    listAuditEvents({ ...scope(world, actor), input });

  describe('summary', () => {
    it('totals, error rate and statuses of the last 24 hours, counted from the rollups', async () => {
      const s = await summary({});
      expect(s.range).toMatchObject({ preset: '24h', bucketSeconds: 900, to: now.toISOString() });
      expect(s.totals).toMatchObject({ calls: 10, errors: 3 });
      expect(s.totals.errorRate).toBeCloseTo(0.3);
      expect(s.statuses).toEqual([
        { status: 'ok', calls: 7 },
        { status: 'tool_error', calls: 1 },
        { status: 'error', calls: 1 },
        { status: 'denied', calls: 1 },
      ]);
    });

    it('answers one point per bucket, empty ones included, that add up to the totals', async () => {
      const s = await summary({ range: '1h' });
      expect(s.range.bucketSeconds).toBe(60);
      expect(s.series.length).toBeGreaterThanOrEqual(60);
      expect(s.series.length).toBeLessThanOrEqual(61);
      expect(s.series.reduce((n, p) => n + p.calls, 0)).toBe(s.totals.calls);
      expect(s.series.reduce((n, p) => n + p.errors, 0)).toBe(s.totals.errors);
      const minuteOf = (ms: number) => new Date(Math.floor(ms / MIN) * MIN).toISOString();
      expect(s.series.find((p) => p.start === minuteOf(NOW - 5 * MIN))).toMatchObject({
        calls: 3,
        errors: 0,
      });
      expect(s.series.find((p) => p.start === minuteOf(NOW - 10 * MIN))).toMatchObject({ calls: 2 });
      const empty = s.series.find((p) => p.start === minuteOf(NOW - 30 * MIN))!;
      expect(empty).toEqual({ start: empty.start, calls: 0, errors: 0, p50Ms: null, p95Ms: null });
      // Buckets are contiguous and oldest first.
      for (let i = 1; i < s.series.length; i++)
        expect(Date.parse(s.series[i]!.start) - Date.parse(s.series[i - 1]!.start)).toBe(MIN);
    });

    it('computes p50/p95 from the merged histograms, per bucket and overall', async () => {
      const s = await summary({ range: '1h' });
      const inWindow = a.events.filter((e) => e.at > NOW - 60 * MIN);
      const counts = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
      for (const e of inWindow) counts[latencyBucket(e.latencyMs)]!++;
      expect(s.totals.p50Ms).toBeCloseTo(histogramPercentile(counts, 0.5)!, 2);
      expect(s.totals.p95Ms).toBeCloseTo(histogramPercentile(counts, 0.95)!, 2);
      // 4 of 9 calls at 3 ms, one at 40, 3 at 100 and one at 700: the median is the 40 ms one's
      // bucket, (25, 50]; p95 falls in the 700 ms one's, (500, 1000].
      expect(s.totals.p50Ms).toBe(37.5);
      expect(s.totals.p95Ms).toBeGreaterThan(500);
      expect(s.totals.p95Ms).toBeLessThanOrEqual(1_000);
      const minuteOf = (ms: number) => new Date(Math.floor(ms / MIN) * MIN).toISOString();
      // Three calls of 100 ms: both percentiles in (50, 100].
      const busy = s.series.find((p) => p.start === minuteOf(NOW - 5 * MIN))!;
      expect(busy.p50Ms).toBeGreaterThan(50);
      expect(busy.p95Ms).toBeLessThanOrEqual(100);
      expect(s.totals.avgMs).toBeCloseTo((2 * 3 + 3 * 100 + 700 + 40 + 3 + 3) / 9, 1);
    });

    it('ranks tools, servers, callers and gateways with their names', async () => {
      const s = await summary({ range: '24h' });
      expect(s.top.tools.map((t) => [t.label, t.calls, t.errors])).toEqual([
        ['echo', 6, 0],
        ['down', 1, 1],
        ['fail', 1, 1],
      ]);
      expect(s.top.servers).toEqual([
        expect.objectContaining({ id: a.server.id, label: 'Everything server', calls: 8, errors: 2 }),
      ]);
      expect(s.top.callers.map((c) => [c.label, c.calls])).toEqual([
        ['ci-bot', 7],
        ['member-laptop', 2],
      ]);
      expect(s.top.callers[0]!.id).toBe(a.byOrg);
      expect(s.top.gateways.map((g) => [g.label, g.calls])).toEqual([
        ['Main gateway', 9],
        ['Second gateway', 1],
      ]);
      expect(s.top.tools[0]!.avgMs).toBeCloseTo((2 * 3 + 3 * 100 + 3) / 6, 1);
    });

    it('narrows by window and by every filter', async () => {
      const calls = async (input: Record<string, unknown>) => (await summary(input)).totals.calls;
      expect(await calls({ range: '1h' })).toBe(9);
      expect(await calls({ range: '7d' })).toBe(11);
      expect(await calls({ range: '30d' })).toBe(11);
      expect(
        await calls({
          from: new Date(NOW - 3 * 60 * MIN).toISOString(),
          to: new Date(NOW - 60 * MIN).toISOString(),
        }),
      ).toBe(1);
      expect(await calls({ gatewayId: a.otherGateway.id })).toBe(1);
      expect(await calls({ gatewayId: a.gateway.id.toUpperCase() })).toBe(9);
      expect(await calls({ installationId: a.server.id })).toBe(8);
      expect(await calls({ tool: 'echo' })).toBe(6);
      expect(await calls({ principalId: a.byMember })).toBe(2);
      expect(await calls({ status: 'errors' })).toBe(3);
      expect(await calls({ status: 'tool_error' })).toBe(1);
      expect(await calls({ authMethod: 'api_token' })).toBe(10);
      expect(await calls({ authMethod: 'oauth' })).toBe(0);
      expect(await calls({ method: 'tools/call' })).toBe(8);
      expect(await calls({ tool: 'echo', principalId: a.byOrg, range: '1h' })).toBe(3);
    });

    it('refuses bad input as INVALID, naming the field', async () => {
      for (const [input, path] of [
        [{ range: '2h' }, 'range'],
        [{ range: '1h', from: new Date(NOW).toISOString() }, 'range'],
        [{ from: new Date(NOW).toISOString(), to: new Date(NOW - MIN).toISOString() }, 'to'],
        [{ from: 'yesterday' }, 'from'],
        [{ gatewayId: 'not-a-uuid' }, 'gatewayId'],
        [{ status: 'broken' }, 'status'],
        [{ gateway: a.gateway.id }, ''],
        [{ from: '2000-01-01T00:00:00Z' }, 'from'],
      ] as const) {
        const err = await failureOf(() => summary(input));
        expect(err.code, JSON.stringify(input)).toBe('INVALID');
        expect((err.details?.fields as { path: string }[]).map((f) => f.path)).toContain(path);
      }
    });
  });

  describe('who sees what', () => {
    it("a member sees their own calls only: totals, callers, logs and another caller's event", async () => {
      const member = a.org.actors.member;
      const s = await summary({}, a, member);
      expect(s.totals).toMatchObject({ calls: 2, errors: 0 });
      expect(s.top.callers.map((c) => c.id)).toEqual([a.byMember]);
      // Asking for someone else's calls finds nothing rather than everything.
      expect((await summary({ principalId: a.byOrg }, a, member)).totals.calls).toBe(0);
      const page = await logs({}, a, member);
      expect(page.events.map((e) => e.caller?.id)).toEqual([a.byMember, a.byMember]);
      expect(page.total).toEqual({ count: 2, capped: false });
      const theirs = (await logs({ principalId: a.byOrg })).events[0]!;
      expect((await failureOf(() => getAuditEvent({ ...scope(a, member), eventId: theirs.id }))).code).toBe(
        'NOT_FOUND',
      );
      const mine = page.events[0]!;
      expect((await getAuditEvent({ ...scope(a, member), eventId: mine.id })).id).toBe(mine.id);
      const graph = await getUsageGraph({ ...scope(a, member), input: {} });
      expect(graph.nodes.filter((n) => n.column === 'caller').map((n) => n.label)).toEqual(['member-laptop']);
      // Another member has no calls of their own.
      expect((await summary({}, a, a.org.actors.otherMember)).totals.calls).toBe(0);
    });

    it('an org token (admin, no user) sees the whole tenant; a team token only its own calls', async () => {
      const orgActor: Actor = { userId: null, role: 'admin', tokenId: a.orgToken.id };
      expect((await summary({}, a, orgActor)).totals.calls).toBe(10);
      const teamTokenActor: Actor = { userId: null, role: 'member', tokenId: a.orgToken.id };
      expect((await summary({}, a, teamTokenActor)).totals.calls).toBe(7);
    });

    it("never shows another tenant's usage, even when asked by their ids", async () => {
      const s = await summary({});
      const mentioned = JSON.stringify(s);
      for (const id of [b.gateway.id, b.otherGateway.id, b.server.id, b.orgToken.id, b.memberToken.id])
        expect(mentioned).not.toContain(id);
      expect((await summary({ gatewayId: b.gateway.id })).totals.calls).toBe(0);
      expect((await summary({ principalId: b.byOrg })).totals.calls).toBe(0);
      const page = await logs({ limit: 200, range: '30d' });
      expect(page.events).toHaveLength(11);
      expect(JSON.stringify(page)).not.toContain(b.gateway.id);
      const theirEvent = (await logs({}, b)).events[0]!;
      expect((await failureOf(() => getAuditEvent({ ...scope(a), eventId: theirEvent.id }))).code).toBe(
        'NOT_FOUND',
      );
      const graph = await getUsageGraph({ ...scope(a), input: { gatewayId: b.gateway.id } });
      expect(graph.nodes).toEqual([]);
      const facets = await listUsageFacets({ ...scope(a), input: {} });
      expect(JSON.stringify(facets)).not.toContain(b.server.id);
    });
  });

  describe('logs', () => {
    it('lists events newest first with names, without request or response', async () => {
      const page = await logs({ range: '1h' });
      expect(page.events).toHaveLength(9);
      expect(page.total).toEqual({ count: 9, capped: false });
      expect(page.nextCursor).toBeNull();
      const times = page.events.map((e) => Date.parse(e.occurredAt));
      expect([...times].sort((x, y) => y - x)).toEqual(times);
      expect(page.events[0]).toMatchObject({
        method: '',
        status: 'denied',
        caller: null,
        gateway: { id: a.gateway.id, label: 'Main gateway' },
      });
      const down = page.events.find((e) => e.toolName === 'down')!;
      expect(down).toMatchObject({
        status: 'error',
        errorCode: -32603,
        latencyMs: 40,
        gateway: { label: 'Second gateway' },
        server: { id: a.server.id, label: 'Everything server' },
        caller: { id: a.byOrg, label: 'ci-bot' },
        authMethod: 'api_token',
      });
      expect(down).not.toHaveProperty('request');
    });

    it('filters like the summary does', async () => {
      const count = async (input: Record<string, unknown>) => (await logs(input)).events.length;
      expect(await count({ tool: 'echo' })).toBe(6);
      expect(await count({ tool: 'echo', range: '1h' })).toBe(5);
      expect(await count({ status: 'errors' })).toBe(3);
      expect(await count({ status: 'denied' })).toBe(1);
      expect(await count({ gatewayId: a.otherGateway.id })).toBe(1);
      expect(await count({ installationId: a.server.id })).toBe(8);
      expect(await count({ principalId: a.byMember })).toBe(2);
      expect(await count({ authMethod: 'api_token', method: 'initialize' })).toBe(1);
    });

    it('pages with a cursor through events that share a timestamp, never repeating or skipping one', async () => {
      const world = await seedUsageWorld(db, NOW);
      const at = NOW - 20 * MIN;
      await recordUsage(
        db,
        Array.from({ length: 7 }, (_, i) =>
          usageEvent(world.tenantId, at, { principalId: world.byOrg, toolName: `same-${i}` }),
        ),
      );
      const all = await logs({ limit: 200 }, world);
      expect(all.events).toHaveLength(17);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await logs({ limit: 4, ...(cursor ? { cursor } : {}) }, world);
        pages++;
        expect(page.total === null).toBe(cursor !== undefined);
        seen.push(...page.events.map((e) => e.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(pages).toBe(5);
      expect(seen).toEqual(all.events.map((e) => e.id));
      expect(new Set(seen).size).toBe(17);
    });

    it('refuses a forged cursor and page sizes over 200', async () => {
      expect((await failureOf(() => logs({ cursor: 'forged' }))).code).toBe('INVALID');
      const tooBig = await failureOf(() => logs({ limit: 201 }));
      expect(tooBig.code).toBe('INVALID');
      expect(tooBig.details?.fields).toEqual([expect.objectContaining({ path: 'limit' })]);
    });

    it('opens one call with its redacted request, response and timing', async () => {
      const fail = (await logs({ tool: 'fail' })).events[0]!;
      const event = await getAuditEvent({ ...scope(a), eventId: fail.id });
      const recorded = a.events.find((e) => e.toolName === 'fail')!;
      expect(event).toMatchObject({
        id: fail.id,
        status: 'tool_error',
        latencyMs: 700,
        requestBytes: 100,
        responseBytes: 200,
        requestId: recorded.requestId,
        traceId: recorded.traceId,
        sessionId: 'sid-test',
        principalType: 'token',
        policyOutcome: 'allow',
        request: { message: 'hello from fail' },
        response: { content: [{ type: 'text', text: 'ok' }] },
        caller: { label: 'ci-bot' },
      });
      expect((await failureOf(() => getAuditEvent({ ...scope(a), eventId: 'nope' }))).code).toBe('NOT_FOUND');
    });
  });

  describe('graph', () => {
    it('draws callers → gateways → servers → tools with call and error counts, tool calls only', async () => {
      const g = await getUsageGraph({ ...scope(a), input: { range: '1h' } });
      const node = (id: string) => g.nodes.find((n) => n.id === id);
      expect(node(`caller:${a.byOrg}`)).toMatchObject({ label: 'ci-bot', calls: 5, errors: 2 });
      expect(node(`caller:${a.byMember}`)).toMatchObject({ label: 'member-laptop', calls: 2, errors: 0 });
      expect(node(`gateway:${a.gateway.id}`)).toMatchObject({ label: 'Main gateway', calls: 6, errors: 1 });
      expect(node(`server:${a.server.id}`)).toMatchObject({ column: 'server', calls: 7, errors: 2 });
      expect(node(`tool:${a.server.id}/echo`)).toMatchObject({ label: 'echo', calls: 5 });
      const edge = (from: string, to: string) => g.edges.find((e) => e.from === from && e.to === to);
      expect(edge(`caller:${a.byOrg}`, `gateway:${a.otherGateway.id}`)).toMatchObject({
        calls: 1,
        errors: 1,
      });
      expect(edge(`server:${a.server.id}`, `tool:${a.server.id}/fail`)).toMatchObject({
        calls: 1,
        errors: 1,
      });
      // The denied call and initialize are not tool calls.
      expect(g.nodes.some((n) => n.label === 'Unauthenticated')).toBe(false);
      expect(g.truncated).toBe(false);
      const few = await getUsageGraph({ ...scope(a), input: { range: '1h' }, maxPaths: 1 });
      expect(few.truncated).toBe(true);
      expect(few.edges).toHaveLength(3);
    });
  });

  describe('facets', () => {
    it('lists the gateways, servers, tools and callers seen in the window, with names', async () => {
      const f = await listUsageFacets({ ...scope(a), input: { range: '24h' } });
      expect(f.gateways.map((g) => g.label)).toEqual(['Main gateway', 'Second gateway']);
      expect(f.servers).toEqual([{ id: a.server.id, label: 'Everything server' }]);
      expect(f.tools.map((t) => t.id)).toEqual(['echo', 'down', 'fail']);
      expect(f.callers.map((c) => c.label)).toEqual(['ci-bot', 'member-laptop']);
    });
  });

  describe('audit retention', () => {
    it('defaults, is set by admins only within 1–365 days, and keeps other settings', async () => {
      const world = await seedUsageWorld(db, NOW);
      await db.db
        .update(tenants)
        .set({ settings: { allowJitUsers: true } })
        .where(eq(tenants.id, world.tenantId));
      expect(await getAuditRetention({ db: db.db, tenantId: world.tenantId })).toEqual({
        days: 30,
        isDefault: true,
      });
      const member = await failureOf(() =>
        setAuditRetention({ ...scope(world, world.org.actors.member), input: { days: 7 } }),
      );
      expect(member.code).toBe('FORBIDDEN');
      for (const days of [0, 366, 1.5, '7']) {
        expect((await failureOf(() => setAuditRetention({ ...scope(world), input: { days } }))).code).toBe(
          'INVALID',
        );
      }
      expect(await setAuditRetention({ ...scope(world), input: { days: 7 } })).toEqual({
        days: 7,
        isDefault: false,
      });
      expect(await getAuditRetention({ db: db.db, tenantId: world.tenantId })).toEqual({
        days: 7,
        isDefault: false,
      });
      const [row] = await db.db.select().from(tenants).where(eq(tenants.id, world.tenantId));
      expect(row!.settings).toEqual({ allowJitUsers: true, auditRetentionDays: 7 });
      // Another tenant is untouched.
      expect(await getAuditRetention({ db: db.db, tenantId: a.tenantId })).toEqual({
        days: 30,
        isDefault: true,
      });
    });
  });
});
