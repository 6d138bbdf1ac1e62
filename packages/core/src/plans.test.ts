import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  effectiveLimits,
  loadPlansConfig,
  parsePlansConfig,
  PlansConfigError,
  resolvePlan,
  UNLIMITED_PLAN,
} from './plans.ts';

const FILE = JSON.stringify({
  defaultPlan: 'free',
  plans: {
    free: { title: 'Free', limits: { gateways: 1, members: 3, callsPerMonth: 1000 }, features: [] },
    team: { limits: { gateways: 10, members: null }, features: ['policies', 'idpJwt'] },
  },
});

describe('plans configuration', () => {
  it('parses plans, fills omitted limits as unlimited and keeps the built-in unlimited plan', () => {
    const config = parsePlansConfig(FILE, 'TOOLGATE_PLANS');
    expect(config.defaultPlan).toBe('free');
    expect(Object.keys(config.plans).sort()).toEqual(['free', 'team', 'unlimited']);
    expect(config.plans.free).toMatchObject({ title: 'Free', features: [] });
    expect(config.plans.free!.limits).toMatchObject({ gateways: 1, members: 3, installations: null });
    expect(config.plans.team!.title).toBe('team');
    expect(config.plans.unlimited).toBe(UNLIMITED_PLAN);
  });

  it('lets TOOLGATE_DEFAULT_PLAN override the file default', () => {
    expect(parsePlansConfig(FILE, 'TOOLGATE_PLANS', 'team').defaultPlan).toBe('team');
  });

  it('names the field of a bad limit', () => {
    const bad = JSON.stringify({ plans: { free: { limits: { gateways: -1 } } } });
    expect(() => parsePlansConfig(bad, 'TOOLGATE_PLANS')).toThrow(
      /TOOLGATE_PLANS: plans\.free\.limits\.gateways: expected a whole number/,
    );
  });

  it('names an unknown limit and an unknown feature', () => {
    const bad = JSON.stringify({ plans: { free: { limits: { seats: 2 }, features: ['sso'] } } });
    const message = (() => {
      try {
        parsePlansConfig(bad, 'TOOLGATE_PLANS');
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toMatch(/plans\.free\.limits: .*seats/);
    expect(message).toMatch(/plans\.free\.features\.0/);
  });

  it('refuses invalid JSON and a default plan that is not configured', () => {
    expect(() => parsePlansConfig('{', 'TOOLGATE_PLANS')).toThrow(/TOOLGATE_PLANS: not valid JSON/);
    expect(() => parsePlansConfig(FILE, 'TOOLGATE_PLANS', 'gold')).toThrow(
      /default plan "gold" is not configured \(plans: unlimited, free, team\)/,
    );
    expect(() => loadPlansConfig({ defaultPlan: 'free' })).toThrow(PlansConfigError);
  });

  it('reads a plans file and names it in errors', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plans-'));
    const file = path.join(dir, 'plans.json');
    writeFileSync(file, FILE);
    expect(loadPlansConfig({ file }).defaultPlan).toBe('free');
    writeFileSync(file, JSON.stringify({ plans: { Free: {} } }));
    expect(() => loadPlansConfig({ file })).toThrow(/TOOLGATE_PLANS_FILE \(.*plans\.json\): plans\.Free/);
    expect(() => loadPlansConfig({ file: path.join(dir, 'missing.json') })).toThrow(
      /TOOLGATE_PLANS_FILE: cannot read .*missing\.json \(ENOENT\)/,
    );
  });

  it('runs everyone on unlimited when nothing is configured', () => {
    const config = loadPlansConfig({});
    expect(config.defaultPlan).toBe('unlimited');
    expect(resolvePlan(config, null)).toEqual({ plan: UNLIMITED_PLAN, known: true });
  });

  it('falls back to the default plan for a plan name no longer configured', () => {
    const config = parsePlansConfig(FILE, 'TOOLGATE_PLANS');
    expect(resolvePlan(config, 'team').plan.name).toBe('team');
    expect(resolvePlan(config, 'gold')).toMatchObject({ plan: { name: 'free' }, known: false });
  });

  it('applies overrides over the plan and says where each limit comes from', () => {
    const config = parsePlansConfig(FILE, 'TOOLGATE_PLANS');
    const { limits, sources } = effectiveLimits(config.plans.free!, { gateways: 5, members: null });
    expect(limits).toMatchObject({ gateways: 5, members: null, callsPerMonth: 1000, installations: null });
    expect(sources).toMatchObject({ gateways: 'override', members: 'override', callsPerMonth: 'plan' });
  });
});
