import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { generateKeySpec } from '@toolgate/core/crypto';
import type { LimitOverrides } from '@toolgate/core/plans';
import { RPC } from '@toolgate/mcp/jsonrpc';
import { Redis } from 'ioredis';
import type { EchoSession } from './echo-session.ts';
import { startGateway, type GatewayHandle } from './gateway-handle.ts';
import { HttpEchoSession } from './http-echo-session.ts';
import { descendantWith } from './peers.ts';
import { removeBusKeys } from './redis-keys.ts';
import {
  seedEchoGateway,
  type DiscoveredTool,
  type SeededGateway,
  type UpstreamSpec,
} from './seed-gateway.ts';
import {
  benchAuth,
  firstCall,
  openSessions,
  SESSIONS,
  type SetupContext,
  type Target,
  type Teardown,
} from './targets.ts';

/**
 * BENCH_LIMITS=on: call limits on the hot path (issue 18, "the limiter adds ≤ 10 µs CPU per
 * call"). A second gateway process, measured side by side with the plain one, serves a tenant
 * whose `limit_overrides` set every traffic limit: the monthly quota and the per-minute limits of
 * the workspace, per token and per user (counted only when the caller is a user, i.e. with
 * BENCH_AUTH=oauth; an org API token has none). They are far above what a run can reach, so no
 * call is refused, but every call is checked: one EVALSHA on Redis per request.
 *
 * Redis is required (run.ts says so before anything starts): the limiter is only cluster-wide
 * with the Redis bus, and the in-process one would measure a Map instead. Both gateways use the
 * same Redis (the plain one too), so only the limiter differs between them.
 */
export const GENEROUS: Required<
  Pick<
    LimitOverrides,
    'callsPerMonth' | 'callsPerMinute' | 'callsPerMinutePerToken' | 'callsPerMinutePerUser'
  >
> = {
  callsPerMonth: 100_000_000,
  callsPerMinute: 100_000_000,
  callsPerMinutePerToken: 100_000_000,
  callsPerMinutePerUser: 100_000_000,
};

/** What the report says the limited target counts. */
export function describeLimits(auth: SetupContext['env']['BENCH_AUTH']): string {
  const buckets =
    auth === 'oauth'
      ? 'month, minute, per token, per user'
      : 'month, minute, per token (no user: org API token)';
  return `limits set, never reached (${buckets})`;
}

export async function limitedTargets(
  ctx: SetupContext,
  teardown: Teardown,
  upstream: UpstreamSpec,
  tools: DiscoveredTool[],
  upstreamPid: (gateway: GatewayHandle) => number,
): Promise<Target[]> {
  if (ctx.env.BENCH_LIMITS === 'off') return [];
  return [await limitedTarget(ctx, teardown, upstream, tools, upstreamPid)];
}

async function limitedTarget(
  { env, db, secretKeys }: SetupContext,
  teardown: Teardown,
  upstream: UpstreamSpec,
  tools: DiscoveredTool[],
  upstreamPid: (gateway: GatewayHandle) => number,
): Promise<Target> {
  const redisUrl = env.BENCH_REDIS_URL;
  if (!redisUrl) throw new Error('BENCH_LIMITS needs BENCH_REDIS_URL (the limiter counts in Redis)');
  const auth = benchAuth(env, secretKeys);
  const seeded = await seedEchoGateway(db, upstream, tools, auth, 'off', GENEROUS);
  // A second tenant on the same process whose quota is 0: its calls must be refused.
  const spent = await seedEchoGateway(db, upstream, tools, auth, 'off', { callsPerMonth: 0 });
  const busPrefix = `tgbench-${randomBytes(4).toString('hex')}`;
  teardown.add(() => removeBusKeys(redisUrl, busPrefix));
  const gateway = await startGateway({
    databaseUrl: db.url,
    redisUrl,
    busPrefix,
    sessionKeys: generateKeySpec('s1'),
    secretKeys,
    path: env.PATH,
    home: env.HOME,
    nodeArgs: env.BENCH_GATEWAY_NODE_ARGS.split(' ').filter(Boolean),
  });
  teardown.add(() => gateway.stop());
  const agent = new http.Agent({ keepAlive: true });
  teardown.add(() => agent.destroy());
  const open = (s: SeededGateway) => () =>
    HttpEchoSession.open(gateway.url + s.path, { agent, tool: s.tool, authorization: `Bearer ${s.token}` });

  // Before anything reaches the upstream: the spent tenant's call is refused by the quota, so
  // this process enforces limits (and, refused before dispatch, spawns no server for it).
  const spentSession = await open(spent)();
  try {
    await checkRefused(spentSession, spent.tool);
  } finally {
    await spentSession.close();
  }
  if (descendantWith(gateway.pid, 'server-everything') !== undefined)
    throw new Error('the limited gateway started server-everything for a call its quota refused');

  const sessions = await openSessions(SESSIONS, open(seeded));
  await firstCall('the limited gateway', sessions, seeded.tool);
  await checkCounted(redisUrl, busPrefix, seeded.tenantId, sessions[0]!, env.BENCH_AUTH === 'oauth');
  return {
    name: 'limited',
    label: `Toolgate + ${describeLimits(env.BENCH_AUTH)}`,
    sessions,
    proxyPid: gateway.pid,
    upstreamPid: () => upstreamPid(gateway),
  };
}

/** A tools/call of a tenant with `callsPerMonth: 0` must come back as the quota's JSON-RPC error. */
async function checkRefused(session: EchoSession, tool: string): Promise<void> {
  let answer: string;
  try {
    answer = `answered ${JSON.stringify(await session.request('tools/call', { name: tool, arguments: { message: 'bench' } })).slice(0, 200)}`;
  } catch (error) {
    answer = error instanceof Error ? error.message : String(error);
    if (answer.includes(String(RPC.RATE_LIMITED)) && answer.includes('quota_exceeded')) return;
  }
  throw new Error(`the limited gateway did not refuse a call over a quota of 0: ${answer}`);
}

/**
 * Every tools/call of the limited tenant is counted in Redis: the monthly counter exists and 200
 * more echoes add 200 to it (within one lease), and the per-minute counters (per token, per user with a user
 * caller) exist. Reads only keys of this gateway's bus prefix and this tenant.
 */
async function checkCounted(
  url: string,
  prefix: string,
  tenantId: string,
  session: EchoSession,
  perUser: boolean,
): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys = async () => {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:rl:${tenantId}:*`, 'COUNT', 1000);
        cursor = next;
        found.push(...batch);
      } while (cursor !== '0');
      return found;
    };
    const month = async () => {
      const key = (await keys()).find((k) => k.startsWith(`${prefix}:rl:${tenantId}:month:`));
      return key === undefined ? undefined : Number(await redis.get(key));
    };
    // Far from its limits a replica counts ahead (leases of up to 64, packages/bus
    // leasing-rate-limits.ts): 200 calls move the counter by 200, give or take one lease.
    const before = await month();
    for (let i = 0; i < 200; i++) await session.echo();
    const after = await month();
    if (before === undefined || after === undefined || Math.abs(after - before - 200) > 64)
      throw new Error(
        `the limited gateway did not count 200 calls against the monthly quota (${before} → ${after})`,
      );
    const wanted = ['minute', 'token', ...(perUser ? ['user'] : [])];
    const present = await keys();
    const missing = wanted.filter(
      (w) => !present.some((k) => k.startsWith(`${prefix}:rl:${tenantId}:${w}:`)),
    );
    if (missing.length > 0)
      throw new Error(
        `the limited gateway has no Redis counter for: ${missing.join(', ')} (${present.join(' ')})`,
      );
  } finally {
    redis.disconnect();
  }
}
