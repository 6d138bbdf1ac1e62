import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeySpec } from '@toolgate/core/crypto';
import { auditEvents, tenants } from '@toolgate/db/schema';
import { createTestDatabase, seedGateway, seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { childEnv, runCli } from './testing/run-cli.ts';

const pgUrl = inject('postgresUrl');
let db: TestDatabase | undefined;
let plansFile: string;

beforeAll(async () => {
  if (pgUrl) db = await createTestDatabase(pgUrl);
  plansFile = path.join(mkdtempSync(path.join(tmpdir(), 'plans-')), 'plans.json');
  writeFileSync(
    plansFile,
    JSON.stringify({
      plans: {
        free: { title: 'Free', limits: { gateways: 1, callsPerMonth: 1000 }, features: [] },
        team: { title: 'Team', limits: { gateways: 10 }, features: ['policies', 'idpJwt'] },
      },
    }),
  );
});
afterAll(async () => {
  await db?.destroy();
});

interface Shown {
  tenant: string;
  plan: string;
  assignedPlan: string | null;
  defaultPlan: string;
  limits: Record<string, { value: number | null; source: 'plan' | 'override' }>;
  features: string[];
  counts: Record<string, number>;
}

describe('toolgate tenant', () => {
  const env = (extra: Record<string, string> = {}) =>
    childEnv({
      DATABASE_URL: db!.url,
      TOOLGATE_SECRET_KEYS: generateKeySpec('k1'),
      TOOLGATE_SESSION_KEYS: generateKeySpec('s1'),
      TOOLGATE_PLANS_FILE: plansFile,
      ...extra,
    });
  const run = async (args: string[], extra?: Record<string, string>) => {
    const result = await runCli(['tenant', ...args], env(extra));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as Shown;
  };

  it.skipIf(!pgUrl)('shows, sets the plan and overrides limits, audited in the tenant', async () => {
    const [tenant, other] = [await seedTenant(db!.db), await seedTenant(db!.db)];
    await seedGateway(db!.db, tenant.id);
    const shown = await run(['show', tenant.slug]);
    expect(shown).toMatchObject({
      tenant: tenant.slug,
      plan: 'unlimited',
      assignedPlan: null,
      defaultPlan: 'unlimited',
      counts: { gateways: 1, installations: 0, members: 0 },
    });
    expect(shown.limits.gateways).toEqual({ value: null, source: 'plan' });

    const free = await run(['set-plan', tenant.slug, 'free']);
    expect(free).toMatchObject({ plan: 'free', assignedPlan: 'free', features: [] });
    expect(free.limits.gateways).toEqual({ value: 1, source: 'plan' });
    expect(free.limits.callsPerMonth).toEqual({ value: 1000, source: 'plan' });

    const limited = await run([
      'set-limits',
      tenant.slug,
      '--gateways',
      '5',
      '--calls-per-minute-per-token',
      '60',
      '--members',
      'unlimited',
    ]);
    expect(limited.limits.gateways).toEqual({ value: 5, source: 'override' });
    expect(limited.limits.callsPerMinutePerToken).toEqual({ value: 60, source: 'override' });
    expect(limited.limits.members).toEqual({ value: null, source: 'override' });

    const cleared = await run(['set-limits', tenant.slug, '--gateways', 'default']);
    expect(cleared.limits.gateways).toEqual({ value: 1, source: 'plan' });
    expect(cleared.limits.callsPerMinutePerToken).toEqual({ value: 60, source: 'override' });

    // The other tenant is untouched.
    const [untouched] = await db!.db.select().from(tenants).where(eq(tenants.id, other.id));
    expect(untouched).toMatchObject({ plan: null, limitOverrides: {} });
    const audited = await db!.db
      .select({ request: auditEvents.request, principalId: auditEvents.principalId })
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, tenant.id), eq(auditEvents.method, 'settings/plan')));
    expect(audited.map((a) => a.request)).toEqual(
      expect.arrayContaining([{ action: 'set-plan' }, { action: 'set-limits' }]),
    );
    expect(audited).toHaveLength(3);

    // TOOLGATE_DEFAULT_PLAN decides for tenants with no plan of their own.
    const reset = await run(['set-plan', tenant.slug, 'default'], { TOOLGATE_DEFAULT_PLAN: 'team' });
    expect(reset).toMatchObject({ plan: 'team', assignedPlan: null, defaultPlan: 'team' });
  });

  it.skipIf(!pgUrl)('refuses unknown plans, bad values, unknown tenants and a bad plans file', async () => {
    const tenant = await seedTenant(db!.db);
    const unknown = await runCli(['tenant', 'set-plan', tenant.slug, 'gold'], env());
    expect(unknown.code).toBe(65);
    expect(unknown.stderr).toContain('unknown plan "gold"; the configured plans are: unlimited, free, team');

    const bad = await runCli(['tenant', 'set-limits', tenant.slug, '--gateways', '2.5'], env());
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--gateways must be a whole number, "unlimited" or "default"');
    const flag = await runCli(['tenant', 'set-limits', tenant.slug, '--seats', '2'], env());
    expect(flag.code).toBe(64);
    expect((await runCli(['tenant', 'show'], env())).code).toBe(64);

    const missing = await runCli(['tenant', 'show', 'no-such-workspace-x'], env());
    expect(missing.code).toBe(66);
    expect(missing.stderr).toContain('No workspace "no-such-workspace-x"');

    const broken = await runCli(
      ['tenant', 'show', tenant.slug],
      env({ TOOLGATE_PLANS: '{"plans":{"x":{"limits":{"gateways":"many"}}}}' }),
    );
    expect(broken.code).toBe(78);
    expect(broken.stderr).toContain('TOOLGATE_PLANS: plans.x.limits.gateways: expected a whole number');
    const [row] = await db!.db.select().from(tenants).where(eq(tenants.id, tenant.id));
    expect(row).toMatchObject({ plan: null, limitOverrides: {} });
  });
});
