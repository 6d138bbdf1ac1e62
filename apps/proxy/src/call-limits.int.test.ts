import type { ChildProcess } from 'node:child_process';
import type { UsageEvent } from '@toolgate/core/usage';
import type { LimitOverrides } from '@toolgate/core/plans';
import { seedApiToken, seedMember } from '@toolgate/db/testing';
import { tenants, tools } from '@toolgate/db/schema';
import { startConformanceFixture } from '@toolgate/fixtures/conformance-server';
import type { RunningHttpServer } from '@toolgate/fixtures/streamable-http-host';
import { eventually, freePort } from '@toolgate/fixtures/test-kit';
import { RPC } from '@toolgate/mcp/jsonrpc';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createHarness,
  type Harness,
  initializeSession,
  rpc,
  type RunningProxy,
  seedConformanceGateway,
} from './testing/harness.ts';
import { startRedisServer, stopProcess } from './testing/redis-server.ts';

/**
 * Rate limits and quotas (issue 18) across replicas: two proxies sharing Postgres and Redis, as
 * deployed. Counts are exact because the shared limiter adds each call to Redis once, whichever
 * replica serves it.
 */

type World = Awaited<ReturnType<typeof seedConformanceGateway>>;

let h: Harness;
let upstream: RunningHttpServer;
let replicas: [RunningProxy, RunningProxy];
const recorded: UsageEvent[] = [];

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  upstream = await startConformanceFixture();
  replicas = [await h.startProxy(), await h.startProxy()];
  for (const p of replicas) record(p);
});
afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

function record(p: RunningProxy): void {
  const original = p.proxy.usage.record.bind(p.proxy.usage);
  p.proxy.usage.record = (event) => {
    recorded.push(event);
    original(event);
  };
}

async function limited(overrides: LimitOverrides): Promise<World> {
  const world = await seedConformanceGateway(h, upstream.url);
  await h.db.db.update(tenants).set({ limitOverrides: overrides }).where(eq(tenants.id, world.tenant.id));
  return world;
}

/** One 2025-11-25 session per replica for `token`; `call` alternates replicas. */
async function sessions(world: World, token = world.token, proxies: RunningProxy[] = replicas) {
  const opened = await Promise.all(
    proxies.map(async (p) => {
      const url = `${p.url}${world.path}`;
      const { headers } = await initializeSession(url, { authorization: `Bearer ${token}` });
      return { url, headers };
    }),
  );
  let id = 1;
  return {
    call(n: number, name = 'ok') {
      const s = opened[n % opened.length]!;
      return rpc(
        s.url,
        { jsonrpc: '2.0', id: id++, method: 'tools/call', params: { name, arguments: {} } },
        s.headers,
      );
    },
    request(n: number, method: string) {
      const s = opened[n % opened.length]!;
      return rpc(s.url, { jsonrpc: '2.0', id: id++, method, params: {} }, s.headers);
    },
  };
}

type Answer = Awaited<ReturnType<typeof rpc>>;
const ok = (a: Answer) => a.status === 200 && a.json?.result !== undefined && a.json.error === undefined;
const refusedBy = (a: Answer) => (a.json?.error as { data?: { limit?: string } } | undefined)?.data?.limit;

describe('call limits across replicas', () => {
  it('admits exactly N tool calls per minute per tenant, whichever replica serves them, under concurrency', async () => {
    // Two sessions opened = two requests counted; the rest of the minute's 14 go to tool calls.
    const world = await limited({ callsPerMinute: 14 });
    const s = await sessions(world);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, n) => s.call(n)));
    expect(answers.filter(ok)).toHaveLength(12);
    const refused = answers.filter((a) => !ok(a));
    expect(refused).toHaveLength(28);
    for (const a of refused) {
      expect(a.status).toBe(200);
      const error = a.json!.error as { code: number; message: string; data: Record<string, unknown> };
      expect(error.code).toBe(RPC.RATE_LIMITED);
      expect(error.message).toMatch(/^Rate limit reached: at most 14 calls per minute for this workspace/);
      expect(error.message).toMatch(/Try again in \d+ s/);
      expect(error.data).toMatchObject({ reason: 'rate_limited', limit: 'callsPerMinute', max: 14 });
      expect(error.data.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(error.data.retryAfterSeconds).toBeLessThanOrEqual(120);
    }
    // Any other request is refused before dispatch: HTTP 429 with Retry-After.
    const list = await s.request(1, 'tools/list');
    expect(list.status).toBe(429);
    expect(Number(list.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(list.json).toMatchObject({ error: { code: RPC.RATE_LIMITED, data: { limit: 'callsPerMinute' } } });

    // The audit records each refusal as denied, rate_limited.
    await eventually(() => {
      const mine = recorded.filter((e) => e.tenantId === world.tenant.id && e.method === 'tools/call');
      expect(
        mine.filter((e) => e.status === 'denied' && e.policyOutcome === 'deny:rate_limited'),
      ).toHaveLength(28);
      expect(mine.filter((e) => e.status === 'ok')).toHaveLength(12);
    });
  });

  it('counts per token and per user, each caller on its own', async () => {
    const world = await limited({ callsPerMinutePerToken: 4, callsPerMinutePerUser: 6 });
    const user = await seedMember(h.db.db, world.tenant.id);
    const first = await seedApiToken(h.db.db, world.tenant.id, { scope: 'user', userId: user.id });
    const second = await seedApiToken(h.db.db, world.tenant.id, { scope: 'user', userId: user.id });
    // The org token (no user): its own 4 per minute, whatever the user does.
    const org = await sessions(world, world.token);
    const a = await sessions(world, first.token);
    const b = await sessions(world, second.token);
    // Each session's initialize counted: a and b have 2 of 4 left each; the user has 2 of 6 left.
    const aAnswers = await Promise.all(Array.from({ length: 5 }, (_, n) => a.call(n)));
    expect(aAnswers.filter(ok)).toHaveLength(2);
    expect(new Set(aAnswers.filter((x) => !ok(x)).map(refusedBy))).toEqual(
      new Set(['callsPerMinutePerToken']),
    );
    const bAnswers = await Promise.all(Array.from({ length: 5 }, (_, n) => b.call(n)));
    // b's token has room for 2, the user for none: refused by the user limit.
    expect(bAnswers.filter(ok)).toHaveLength(0);
    expect(new Set(bAnswers.map(refusedBy))).toEqual(new Set(['callsPerMinutePerUser']));
    const orgAnswers = await Promise.all(Array.from({ length: 4 }, (_, n) => org.call(n)));
    expect(orgAnswers.filter(ok)).toHaveLength(2);
  });

  it("holds an installation's tool to its own limit, all callers together, other tools unaffected", async () => {
    const world = await seedConformanceGateway(h, upstream.url);
    await h.db.db
      .update(tools)
      .set({ callsPerMinute: 3 })
      .where(and(eq(tools.installationId, world.installation.id), eq(tools.name, 'test_simple_text')));
    const other = await seedApiToken(h.db.db, world.tenant.id);
    const s = await sessions(world);
    const t = await sessions(world, other.token);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, n) => (n % 2 ? s : t).call(n)));
    expect(answers.filter(ok)).toHaveLength(3);
    for (const a of answers.filter((x) => !ok(x))) {
      expect(refusedBy(a)).toBe('toolCallsPerMinute');
      expect((a.json!.error as { message: string }).message).toMatch(
        /^Rate limit reached: at most 3 calls per minute of ok/,
      );
    }
    // Another tool of the same installation is not held to it; nor is anything but tools/call.
    expect((await s.call(0, 'fails')).json?.error).toBeUndefined();
    expect((await s.request(1, 'tools/list')).status).toBe(200);
  });

  it('refuses tool calls over the monthly quota until the month ends, then resumes (clock moved)', async () => {
    const world = await limited({ callsPerMonth: 3 });
    // Late on the last day of a month far from now (no other test's counters).
    let now = Date.UTC(2031, 0, 31, 23, 59, 0);
    const clocked = await h.startProxy({}, { clock: () => now });
    record(clocked);
    const s = await sessions(world, world.token, [clocked, replicas[0]]);
    // Only the clocked replica counts this month's quota at 2031-01; the other one is in the present.
    const answers = [];
    for (let n = 0; n < 5; n++) answers.push(await s.call(0));
    expect(answers.filter(ok)).toHaveLength(3);
    const refused = answers.at(-1)!;
    const error = refused.json!.error as { code: number; message: string; data: Record<string, unknown> };
    expect(error.code).toBe(RPC.RATE_LIMITED);
    expect(error.data).toMatchObject({
      reason: 'quota_exceeded',
      limit: 'callsPerMonth',
      max: 3,
      resetAt: '2031-02-01T00:00:00.000Z',
    });
    expect(error.message).toMatch(/^Monthly quota reached: this workspace allows 3 tool calls per month/);
    expect(error.message).toContain('2031-02-01T00:00:00.000Z');
    // Other requests are not part of the quota.
    expect((await s.request(0, 'tools/list')).status).toBe(200);
    // The next month: allowed again, counting afresh.
    now = Date.UTC(2031, 1, 1, 0, 0, 1);
    const next = [];
    for (let n = 0; n < 4; n++) next.push(await s.call(0));
    expect(next.filter(ok)).toHaveLength(3);
    await eventually(() =>
      expect(
        recorded.filter((e) => e.tenantId === world.tenant.id && e.policyOutcome === 'deny:quota_exceeded'),
      ).toHaveLength(3),
    );
    await clocked.close();
  });

  it('costs nothing and refuses nothing for tenants without limits', async () => {
    const world = await seedConformanceGateway(h, upstream.url);
    const s = await sessions(world);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, n) => s.call(n)));
    expect(answers.every(ok)).toBe(true);
    const lookup = await replicas[0].proxy.store.get(world.tenant.slug, world.gateway.slug);
    expect(lookup.kind === 'found' && lookup.gateway.limits).toBe(undefined);
  });

  it('applies a plan change at once: set-limits invalidates the gateways', async () => {
    const world = await seedConformanceGateway(h, upstream.url);
    const s = await sessions(world);
    expect(ok(await s.call(0))).toBe(true);
    const { setTenantLimits } = await import('@toolgate/api/services/plans');
    await setTenantLimits({
      db: h.db.db,
      bus: replicas[0].bus,
      slug: world.tenant.slug,
      changes: { callsPerMonth: 0 },
    });
    await eventually(async () => expect(refusedBy(await s.call(1))).toBe('callsPerMonth'));
    expect(refusedBy(await s.call(0))).toBe('callsPerMonth');
  });
});

describe('with Redis down', () => {
  let redis: ChildProcess | undefined;
  afterAll(async () => {
    if (redis) await stopProcess(redis);
  });

  it('keeps serving with per-replica limits and says so in a metric; counts cluster-wide again once back', async () => {
    const port = await freePort();
    redis = await startRedisServer(port);
    const world = await limited({ callsPerMinute: 5 });
    const proxy = await h.startProxy({}, { redisUrl: `redis://127.0.0.1:${port}` });
    const s = await sessions(world, world.token, [proxy]);
    expect(ok(await s.call(0))).toBe(true);
    const degraded = async () => {
      const text = await (await fetch(`${proxy.url}/metrics`)).text();
      return /^toolgate_rate_limiter_degraded (\d)/m.exec(text)?.[1];
    };
    expect(await degraded()).toBe('0');
    await stopProcess(redis);
    redis = undefined;
    // Still served, and still limited: this replica counts on its own (5 a minute, from zero).
    const answers = [];
    for (let n = 0; n < 7; n++) answers.push(await s.call(0));
    expect(answers.filter(ok)).toHaveLength(5);
    expect(answers.filter((a) => !ok(a)).map(refusedBy)).toEqual(['callsPerMinute', 'callsPerMinute']);
    expect(await degraded()).toBe('1');
    // Back: the shared counters answer again (a fresh Redis: counting starts over there).
    redis = await startRedisServer(port);
    await eventually(async () => {
      await s.call(0);
      expect(await degraded()).toBe('0');
    }, 20_000);
    await proxy.close(0);
  });
});
