import { describe, expect, it } from 'vitest';
import { nextBillingState, supersedes, type BillingState, type SubscriptionFacts } from './billing-state.ts';

const now = new Date('2026-12-01T00:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const onTeam: BillingState = {
  subscriptionId: 'sub_1',
  status: 'active',
  plan: 'team',
  priceId: 'price_team',
  currentPeriodEnd: null,
  graceEndsAt: null,
  tenantPlan: 'team',
};
const facts = (status: string, overrides: Partial<SubscriptionFacts> = {}): SubscriptionFacts => ({
  id: 'sub_1',
  customerId: 'cus_1',
  status,
  priceId: 'price_team',
  plan: 'team',
  currentPeriodEnd: null,
  ...overrides,
});
const next = (current: BillingState, subscription: SubscriptionFacts) =>
  nextBillingState({ current, subscription, graceDays: 7, now });

describe('next billing state', () => {
  it('starts the grace period when a subscription first becomes past_due, and keeps the plan', () => {
    expect(next(onTeam, facts('past_due'))).toMatchObject({
      tenantPlan: 'team',
      graceEndsAt: new Date(now.getTime() + 7 * DAY),
    });
  });

  it('drops to the free plan at once for ended statuses, paused included', () => {
    for (const status of ['canceled', 'unpaid', 'incomplete_expired', 'paused'])
      expect(next(onTeam, facts(status))).toMatchObject({ tenantPlan: null, graceEndsAt: null });
  });

  it('changes no plan while the first payment is incomplete, nor for a price no plan has', () => {
    const free = { ...onTeam, status: null, tenantPlan: null, subscriptionId: null };
    expect(next(free, facts('incomplete')).tenantPlan).toBeNull();
    expect(next(onTeam, facts('active', { plan: null, priceId: 'price_other' }))).toMatchObject({
      tenantPlan: 'team',
      plan: null,
      priceId: 'price_other',
    });
  });

  it('lets a new subscription replace an ended one, but not an old ended one replace a live one', () => {
    expect(supersedes(onTeam, facts('canceled', { id: 'sub_old' }))).toBe(false);
    expect(supersedes(onTeam, facts('active', { id: 'sub_2' }))).toBe(true);
    expect(supersedes({ ...onTeam, status: 'canceled' }, facts('active', { id: 'sub_2' }))).toBe(true);
    expect(supersedes(onTeam, facts('canceled'))).toBe(true);
  });
});
