import { createMemoryRateLimiter } from '@toolgate/bus';
import { parsePlansConfig } from '@toolgate/core/plans';
import type { GatewaySnapshot, SnapshotInstallation } from '@toolgate/core/snapshot';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../mcp-call.ts';
import { CallLimits, trafficLimitsOf, type GatewayLimits, type LimitRefusal } from './call-limits.ts';

const plans = parsePlansConfig(
  JSON.stringify({
    defaultPlan: 'free',
    plans: {
      free: { title: 'Free', limits: { callsPerMinute: 100, gateways: 1 } },
      quiet: { limits: { gateways: 2 } },
    },
  }),
  'test',
);

const snapshotOf = (tenant: GatewaySnapshot['tenant']) =>
  ({ tenant, installations: [] }) as unknown as GatewaySnapshot;

const principal = (over: Partial<Principal> = {}): Principal => ({
  id: 'token:t1',
  tenantId: 't',
  authMethod: 'api_token',
  userId: null,
  tokenId: 't1',
  teamIds: [],
  orgWide: true,
  ...over,
});

describe('trafficLimitsOf', () => {
  it('takes the plan (default when none) and the overrides, and is undefined when no traffic limit applies', () => {
    expect(trafficLimitsOf(snapshotOf({ id: 't', slug: 's' }), plans)).toEqual({
      plan: 'free',
      callsPerMonth: null,
      callsPerMinute: 100,
      callsPerMinutePerToken: null,
      callsPerMinutePerUser: null,
    });
    // Count limits alone do not make a gateway check calls.
    expect(trafficLimitsOf(snapshotOf({ id: 't', slug: 's', plan: 'quiet' }), plans)).toBeUndefined();
    expect(
      trafficLimitsOf(
        snapshotOf({ id: 't', slug: 's', plan: 'quiet', limitOverrides: { callsPerMonth: 5 } }),
        plans,
      ),
    ).toMatchObject({ plan: 'quiet', callsPerMonth: 5, callsPerMinute: null });
    // An override to unlimited lifts the plan's limit.
    expect(
      trafficLimitsOf(snapshotOf({ id: 't', slug: 's', limitOverrides: { callsPerMinute: null } }), plans),
    ).toBeUndefined();
  });
});

describe('CallLimits', () => {
  const limits = (traffic: Partial<NonNullable<GatewayLimits['traffic']>>, tools = false): GatewayLimits => ({
    tenantId: `tenant-${Math.random()}`,
    tools,
    traffic: {
      plan: 'free',
      callsPerMonth: null,
      callsPerMinute: null,
      callsPerMinutePerToken: null,
      callsPerMinutePerUser: null,
      ...traffic,
    },
  });

  it('costs nothing (no promise) where nothing applies', () => {
    const calls = new CallLimits(createMemoryRateLimiter());
    expect(calls.request(undefined, principal())).toBeUndefined();
    expect(calls.toolCall(undefined, principal(), undefined, 'x')).toBeUndefined();
    // A user limit for a caller that is no user: nothing to count.
    expect(calls.request(limits({ callsPerMinutePerUser: 1 }), principal())).toBeUndefined();
    // Tool limits on the gateway, none on this tool and no plan limit.
    const installation = { id: 'i', toolLimits: { other: 1 } } as unknown as SnapshotInstallation;
    expect(calls.toolCall({ tenantId: 't', tools: true }, principal(), installation, 'x')).toBeUndefined();
  });

  it('counts a token per credential: an OAuth client for one user is not that client for another', async () => {
    const refused: LimitRefusal[] = [];
    const calls = new CallLimits(createMemoryRateLimiter(), { onRefused: (r) => refused.push(r) });
    const gateway = limits({ callsPerMinutePerToken: 1 });
    const oauth = (userId: string) =>
      principal({ id: `user:${userId}`, authMethod: 'oauth', tokenId: undefined, clientId: 'c', userId });
    expect(await calls.request(gateway, oauth('a'))).toBeUndefined();
    expect(await calls.request(gateway, oauth('b'))).toBeUndefined();
    const again = await calls.request(gateway, oauth('a'));
    expect(again).toMatchObject({ reason: 'rate_limited', limit: 'callsPerMinutePerToken', max: 1 });
    expect(again!.message).toMatch(
      /^Rate limit reached: at most 1 calls per minute for this token on the "free" plan/,
    );
    expect(refused).toEqual([again]);
  });

  it('names the quota first once it is spent, with its reset at the next month', async () => {
    const now = Date.UTC(2030, 11, 31, 23, 0);
    const calls = new CallLimits(createMemoryRateLimiter(), { now: () => now });
    const gateway = limits({ callsPerMonth: 1, callsPerMinute: 1 });
    expect(await calls.toolCall(gateway, principal(), undefined, 'x')).toBeUndefined();
    const over = await calls.toolCall(gateway, principal(), undefined, 'x');
    expect(over).toMatchObject({
      reason: 'quota_exceeded',
      limit: 'callsPerMonth',
      resetAt: Date.UTC(2031, 0, 1),
    });
    expect(over!.message).toContain('2031-01-01T00:00:00.000Z');
  });
});
