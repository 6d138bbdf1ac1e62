import { LATENCY_BUCKET_COUNT, USAGE_STATUSES, type UsageStatus } from '@toolgate/core/usage';
import type { Database } from '@toolgate/db/client';
import { usageRollups } from '@toolgate/db/schema';
import { sql, type SQL } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { ZUsageFilters, type UsageRef, type UsageSummary, type UsageTop } from '../schemas/usage.ts';
import { latencyPercentiles, mergeHistogram } from '../usage/latency-percentiles.ts';
import { bucketStarts } from '../usage/time-range.ts';
import { loadUsageLabels } from '../usage/usage-labels.ts';
import {
  prepareUsageQuery,
  rollupConditions,
  rowsOf,
  topBy,
  windowOf,
  type TopRow,
} from '../usage/usage-query.ts';

export interface GetUsageSummaryOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  /** ZUsageFilters: window and filters. */
  input: unknown;
  /** Top-N length of each ranking. */
  topLimit?: number;
  now?: Date;
}

export const TOP_LIMIT = 10;

/**
 * Calls over time, error rate, p50/p95 latency and the busiest tools, servers, callers,
 * gateways and agents of a window, from the per-minute rollups (never the audit log). Owners and
 * admins see the whole tenant; members their own calls.
 */
export async function getUsageSummary({
  db,
  tenantId,
  actor,
  input,
  topLimit = TOP_LIMIT,
  now,
}: GetUsageSummaryOptions): Promise<UsageSummary> {
  const { query } = await prepareUsageQuery(ZUsageFilters, { db, tenantId, actor, input, now });
  const where = rollupConditions(query);
  const bucketSeconds = query.window.bucketMs / 1000;

  const [series, statuses, tools, servers, callers, gateways, agents] = await Promise.all([
    seriesRows(db, where, bucketSeconds),
    statusTotals(db, where),
    topBy(db, where, usageRollups.toolName, topLimit),
    topBy(db, where, usageRollups.installationId, topLimit),
    topBy(db, where, usageRollups.principalId, topLimit),
    topBy(db, where, usageRollups.gatewayId, topLimit),
    topBy(db, where, usageRollups.agent, topLimit),
  ]);
  const labels = await loadUsageLabels(db, tenantId, {
    gateways: gateways.map((g) => g.key),
    servers: servers.map((s) => s.key),
    callers: callers.map((c) => c.key),
    agents: agents.map((a) => a.key),
  });

  const byBucket = new Map(series.map((s) => [s.bucket, s]));
  const overall: number[] = [];
  let calls = 0;
  let errors = 0;
  let latencySum = 0;
  const points = bucketStarts(query.window).map((start) => {
    const row = byBucket.get(start);
    if (!row) return { start: new Date(start).toISOString(), calls: 0, errors: 0, p50Ms: null, p95Ms: null };
    calls += row.calls;
    errors += row.errors;
    latencySum += row.latency;
    mergeHistogram(overall, row.histogram);
    return {
      start: new Date(start).toISOString(),
      calls: row.calls,
      errors: row.errors,
      ...latencyPercentiles(row.histogram),
    };
  });

  const top = (rows: TopRow[], ref: (key: string) => UsageRef | null): UsageTop[] =>
    rows.map((r) => ({
      ...(ref(r.key) ?? { id: r.key, label: r.key }),
      calls: r.calls,
      errors: r.errors,
      avgMs: r.calls > 0 ? round(r.latency / r.calls) : null,
    }));

  return {
    range: windowOf(query),
    totals: {
      calls,
      errors,
      errorRate: calls > 0 ? errors / calls : 0,
      avgMs: calls > 0 ? round(latencySum / calls) : null,
      ...latencyPercentiles(overall),
    },
    statuses: USAGE_STATUSES.map((status) => ({
      status,
      calls: statuses.find((s) => s.status === status)?.calls ?? 0,
    })),
    series: points,
    top: {
      tools: top(tools, (key) => ({ id: key, label: key })),
      servers: top(servers, (key) => labels.server(key)),
      callers: top(callers, (key) => labels.caller(key)),
      gateways: top(gateways, (key) => labels.gateway(key)),
      agents: top(agents, (key) => labels.agent(key)),
    },
  };
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** `h0, h1, …`: one summed column per latency bucket (an index past a row's array sums as 0). */
const HISTOGRAM_COLUMNS = Array.from({ length: LATENCY_BUCKET_COUNT }, (_, i) => `h${i}`);
const histogramSums = sql.raw(
  HISTOGRAM_COLUMNS.map((name, i) => `coalesce(sum(latency_buckets[${i + 1}]), 0)::float8 as ${name}`).join(
    ', ',
  ),
);

/**
 * Calls, errors, latency sum and the merged latency histogram per bucket, in one pass over the
 * rollups. Buckets start at multiples of their width since the epoch (date_bin, as
 * `bucketStarts` does); summing the histogram element by element with one column per bucket is
 * several times faster than unnesting the arrays.
 */
async function seriesRows(db: Database, where: SQL, bucketSeconds: number): Promise<SeriesRow[]> {
  // A trusted integer, inlined as a constant.
  const width = sql.raw(`'${Math.trunc(bucketSeconds)} seconds'::interval`);
  const result = await db.execute(sql`
    select (extract(epoch from b) * 1000)::float8 as bucket, calls, errors, latency, ${sql.raw(HISTOGRAM_COLUMNS.join(', '))}
    from (
      select date_bin(${width}, ${usageRollups.minute}, timestamptz '1970-01-01 00:00:00+00') as b,
        sum(${usageRollups.count})::float8 as calls,
        sum(${usageRollups.errors})::float8 as errors,
        sum(${usageRollups.latencyMsSum})::float8 as latency,
        ${histogramSums}
      from ${usageRollups}
      where ${where}
      group by 1
    ) as buckets`);
  return rowsOf<Record<string, number>>(result).map((row) => ({
    bucket: row.bucket!,
    calls: row.calls!,
    errors: row.errors!,
    latency: row.latency!,
    histogram: HISTOGRAM_COLUMNS.map((name) => row[name] ?? 0),
  }));
}

interface SeriesRow {
  /** Bucket start, epoch milliseconds. */
  bucket: number;
  calls: number;
  errors: number;
  latency: number;
  histogram: number[];
}

async function statusTotals(db: Database, where: SQL) {
  const result = await db.execute(sql`
    select ${usageRollups.status} as status, sum(${usageRollups.count})::float8 as calls
    from ${usageRollups}
    where ${where}
    group by 1`);
  return rowsOf<{ status: UsageStatus; calls: number }>(result);
}
