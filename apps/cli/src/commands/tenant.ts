import { createBus } from '@toolgate/bus';
import { parseArgs } from 'node:util';
import {
  setTenantLimits,
  setTenantPlan,
  tenantEntitlements,
  tenantIdBySlug,
} from '@toolgate/api/services/plans';
import { isAppError } from '@toolgate/core/errors';
import { createLogger } from '@toolgate/core/logger';
import { LIMIT_KEYS, type LimitKey } from '@toolgate/core/plans';
import { createDb, type Database } from '@toolgate/db/client';
import { runMigrations } from '@toolgate/db/migrate';
import { cliEnv, cliPlans, type CliEnv } from '../env.ts';
import { openDatabase } from '../runtime.ts';

export const TENANT_USAGE = `toolgate tenant show <slug>
  toolgate tenant set-plan <slug> <plan|default>
  toolgate tenant set-limits <slug> [--calls-per-month N] [--calls-per-minute N]
      [--calls-per-minute-per-token N] [--calls-per-minute-per-user N] [--gateways N]
      [--installations N] [--members N] [--audit-retention-days N]
  (N: a whole number, "unlimited", or "default" to remove the override)`;

const FLAGS: Record<string, LimitKey> = Object.fromEntries(
  LIMIT_KEYS.map((k) => [k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), k]),
);

class UsageError extends Error {}

function limitValue(flag: string, raw: string): number | null | 'default' {
  if (raw === 'default') return 'default';
  if (raw === 'unlimited') return null;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    throw new UsageError(`--${flag} must be a whole number, "unlimited" or "default" (got "${raw}")`);
  return Number(raw);
}

function parseLimits(args: string[]): Partial<Record<LimitKey, number | null | 'default'>> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: 'string' as const }])),
      strict: true,
    }) as { values: Record<string, string | undefined> });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const changes: Partial<Record<LimitKey, number | null | 'default'>> = {};
  for (const [flag, raw] of Object.entries(values)) {
    if (raw !== undefined) changes[FLAGS[flag]!] = limitValue(flag, raw);
  }
  if (Object.keys(changes).length === 0) throw new UsageError('set-limits needs at least one limit');
  return changes;
}

async function withDatabase<T>(env: CliEnv, run: (db: Database) => Promise<T>): Promise<T> {
  const log = createLogger({
    name: 'tenant',
    level: env.LOG_LEVEL === 'info' ? 'warn' : env.LOG_LEVEL,
    pretty: false,
  });
  const target = await openDatabase(env, log);
  // A one-shot command that runs migrations first: unbounded, like `toolgate migrate`.
  const handle = createDb({
    url: target.url,
    max: 2,
    applicationName: 'toolgate-tenant',
    queryTimeoutMs: 0,
    statementTimeoutMs: 0,
  });
  try {
    await runMigrations(handle.pool);
    return await run(handle.db);
  } finally {
    await handle.close();
    await target.stop();
  }
}

/**
 * Operators' plan administration: `show` prints the plan, each limit with where it comes from
 * (plan or override) and the counts; `set-plan` and `set-limits` change them (audited in the
 * tenant's log as settings/plan). Each prints one JSON line.
 */
export async function tenantCommand(args: string[]): Promise<number> {
  const [sub, slug, ...rest] = args;
  const fail = (message: string, code = 64) => {
    process.stderr.write(`toolgate tenant: ${message}\n`);
    return code;
  };
  if (!sub || !['show', 'set-plan', 'set-limits'].includes(sub) || !slug || slug.startsWith('--'))
    return fail(`usage:\n  ${TENANT_USAGE}`);
  const env = cliEnv();
  const plans = cliPlans(env);
  let changes: ReturnType<typeof parseLimits> | undefined;
  let plan: string | null = null;
  try {
    if (sub === 'set-limits') changes = parseLimits(rest);
    if (sub === 'set-plan') {
      if (rest.length !== 1) throw new UsageError('set-plan takes one plan name (or "default")');
      plan = rest[0] === 'default' ? null : rest[0]!;
      // Refused before the database is opened: the operator learns the configured plans at once.
      if (plan !== null && !plans.plans[plan])
        return fail(
          `unknown plan "${plan}"; the configured plans are: ${Object.keys(plans.plans).join(', ')}`,
          65,
        );
    }
    if (sub === 'show' && rest.length > 0) throw new UsageError('show takes only the workspace slug');
  } catch (err) {
    if (err instanceof UsageError) return fail(err.message);
    throw err;
  }
  try {
    const result = await withDatabase(env, async (db) => {
      // With Redis, proxies hear of the change at once; else the worker relays it.
      const bus = sub !== 'show' && env.REDIS_URL ? createBus({ redisUrl: env.REDIS_URL }) : undefined;
      try {
        if (sub === 'set-plan') await setTenantPlan({ db, plans, slug, plan, ...(bus ? { bus } : {}) });
        if (sub === 'set-limits')
          await setTenantLimits({ db, slug, changes: changes!, ...(bus ? { bus } : {}) });
      } finally {
        await bus?.close();
      }
      const entitlements = await tenantEntitlements(db, await tenantIdBySlug(db, slug), plans);
      const limits = Object.fromEntries(
        LIMIT_KEYS.map((k) => [k, { value: entitlements.limits[k], source: entitlements.sources[k] }]),
      );
      return {
        tenant: slug,
        plan: entitlements.plan.name,
        assignedPlan: entitlements.assignedPlan,
        defaultPlan: plans.defaultPlan,
        ...(entitlements.planKnown
          ? {}
          : { warning: `plan "${entitlements.assignedPlan}" is not configured; the default plan applies` }),
        limits,
        features: entitlements.features,
        counts: entitlements.counts,
      };
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (err) {
    if (isAppError(err)) return fail(err.message, err.code === 'NOT_FOUND' ? 66 : 65);
    throw err;
  }
}
