import type { Database } from '@toolgate/db/client';
import { usageRollups } from '@toolgate/db/schema';
import { sql } from 'drizzle-orm';
import {
  canManageInstallation,
  findUsableEntry,
  findVisibleInstallation,
} from '../../installation-access.ts';
import type { CanaryReport, VariantStats } from '../../schemas/installation-versions.ts';
import { latencyPercentiles } from '../../usage/latency-percentiles.ts';
import { rowsOf } from '../../usage/usage-query.ts';
import { toInstallation } from '../../views/rows.ts';
import type { InstallationVersionOptions } from './packaged-installation.ts';

/**
 * An installation's canary and, for those who manage the installation, its calls, error rate and
 * p50/p95 latency next to the stable variant's since the canary started (from the per-minute
 * rollups by variant: a call before the canary has no variant and is not counted).
 */
export async function getCanaryReport(options: InstallationVersionOptions): Promise<CanaryReport> {
  const { db, tenantId, actor, installationId } = options;
  const row = await findVisibleInstallation(db, tenantId, actor, installationId);
  const installation = toInstallation(row);
  const { canary } = installation;
  if (!canary || !(await canManageInstallation(db, tenantId, actor, row)))
    return { installation, canary, comparison: null };
  const since = new Date(canary.startedAt);
  const stats = await variantStats(db, tenantId, installationId, since);
  const entry = await findUsableEntry(db, tenantId, row.registryEntryId);
  const stableVersion = row.pinnedVersion ?? entry.version ?? row.packageVersion;
  return {
    installation,
    canary,
    comparison: {
      since: canary.startedAt,
      stable: { version: stableVersion, ...(stats.get('stable') ?? EMPTY) },
      canary: { version: canary.version, ...(stats.get('canary') ?? EMPTY) },
    },
  };
}

const EMPTY: Omit<VariantStats, 'version'> = { calls: 0, errors: 0, errorRate: 0, p50Ms: null, p95Ms: null };

async function variantStats(
  db: Database,
  tenantId: string,
  installationId: string,
  since: Date,
): Promise<Map<string, Omit<VariantStats, 'version'>>> {
  const where = sql`${usageRollups.tenantId} = ${tenantId}
    and ${usageRollups.installationId} = ${installationId}
    and ${usageRollups.variant} in ('stable', 'canary')
    and ${usageRollups.minute} >= date_trunc('minute', ${since.toISOString()}::timestamptz)`;
  const totals = rowsOf<{ variant: string; calls: number; errors: number }>(
    await db.execute(sql`
      select ${usageRollups.variant} as variant, sum(${usageRollups.count})::float8 as calls,
        sum(${usageRollups.errors})::float8 as errors
      from ${usageRollups} where ${where} group by 1`),
  );
  const buckets = rowsOf<{ variant: string; i: number; n: number }>(
    await db.execute(sql`
      select ${usageRollups.variant} as variant, u.i::int as i, sum(u.n)::float8 as n
      from ${usageRollups}, unnest(${usageRollups.latencyBuckets}) with ordinality as u(n, i)
      where ${where} group by 1, 2`),
  );
  const out = new Map<string, Omit<VariantStats, 'version'>>();
  for (const t of totals) {
    const histogram: number[] = [];
    for (const b of buckets) if (b.variant === t.variant) histogram[b.i - 1] = b.n;
    for (let i = 0; i < histogram.length; i++) histogram[i] ??= 0;
    out.set(t.variant, {
      calls: t.calls,
      errors: t.errors,
      errorRate: t.calls > 0 ? t.errors / t.calls : 0,
      ...latencyPercentiles(histogram),
    });
  }
  return out;
}
