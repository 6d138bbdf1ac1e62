import { EnvError, parseEnv } from '@toolgate/core/env';
import { describe, expect, it } from 'vitest';
import { ZWebEnv } from './env.ts';

const base = {
  DATABASE_URL: 'postgres://db.internal:5432/toolgate',
  NEXTAUTH_SECRET: 'x'.repeat(32),
};

const issues = (source: Record<string, string>) => {
  try {
    parseEnv(ZWebEnv, { ...base, ...source });
    return [];
  } catch (err) {
    if (err instanceof EnvError) return err.issues;
    throw err;
  }
};

describe('web env: plans', () => {
  it('runs without plans configured', () => {
    expect(issues({})).toEqual([]);
  });

  it('accepts a plans document and a default plan it defines', () => {
    const plans = JSON.stringify({ plans: { free: { limits: { gateways: 1 } } } });
    expect(issues({ TOOLGATE_PLANS: plans, TOOLGATE_DEFAULT_PLAN: 'free' })).toEqual([]);
  });

  it('refuses a bad document, naming the variable and the field', () => {
    const plans = JSON.stringify({ plans: { free: { limits: { gateways: 'one' } } } });
    expect(issues({ TOOLGATE_PLANS: plans }).join('\n')).toMatch(
      /TOOLGATE_PLANS: .*plans\.free\.limits\.gateways: expected a whole number/,
    );
  });

  it('refuses a default plan that is not configured, and an unreadable file', () => {
    expect(issues({ TOOLGATE_DEFAULT_PLAN: 'gold' }).join('\n')).toMatch(
      /TOOLGATE_DEFAULT_PLAN: .*default plan "gold" is not configured/,
    );
    expect(issues({ TOOLGATE_PLANS_FILE: '/nonexistent/plans.json' }).join('\n')).toMatch(
      /TOOLGATE_PLANS_FILE: .*cannot read \/nonexistent\/plans\.json/,
    );
  });
});
