import { randomFillSync } from 'node:crypto';
import { policyDecisionOf } from '@toolgate/core/dlp';
import {
  DEFAULT_AUDIT_RETENTION_DAYS,
  isErrorStatus,
  LATENCY_BUCKET_COUNT,
  latencyBucket,
  MAX_AGENT_CHARS,
  rollupMethod,
  type UsageEvent,
} from '@toolgate/core/usage';
import { inArray, sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { deleteRowsInChunks, type ExpireOptions } from './expire.ts';
import { processedUsageBatches, tenants, usageRollups } from './schema/index.ts';

export interface AppliedUsageBatch {
  /** False when the batch id had been applied before (a redelivery): nothing was written. */
  applied: boolean;
  /** Audit rows written (events of tenants that no longer exist are skipped). */
  events: number;
  /** Rollup rows inserted or added to. */
  rollups: number;
}

/**
 * Applies one usage batch in ONE transaction: marks its id processed (a redelivered batch stops
 * there), writes its audit events with one multi-row insert, and adds its per-minute rollups,
 * aggregated in memory first, with one upsert. Only this transaction's own queries are awaited
 * inside it (embedded PGlite serialises every connection behind an open transaction).
 */
export async function applyUsageBatch(
  db: Database,
  batch: { id: string; events: readonly UsageEvent[] },
): Promise<AppliedUsageBatch> {
  const tenantIds = [...new Set(batch.events.map((e) => e.tenantId))];
  const rollups = aggregateRollups(batch.events);
  const audit = auditColumns(batch.events);
  return db.transaction(async (tx) => {
    const marked = await tx
      .insert(processedUsageBatches)
      .values({ batchId: batch.id })
      .onConflictDoNothing()
      .returning({ batchId: processedUsageBatches.batchId });
    if (marked.length === 0) return { applied: false, events: 0, rollups: 0 };
    if (batch.events.length === 0) return { applied: true, events: 0, rollups: 0 };

    // A tenant deleted since its events were recorded takes its usage with it (and its
    // foreign keys would refuse the rows anyway).
    const live = new Set(
      (await tx.select({ id: tenants.id }).from(tenants).where(inArray(tenants.id, tenantIds))).map(
        (t) => t.id,
      ),
    );
    const keep = live.size === tenantIds.length ? undefined : audit.tenantId.map((t) => live.has(t));
    const columns = keep ? filterColumns(audit, keep) : audit;
    if (columns.id.length > 0) await tx.execute(insertAuditSql(columns));
    const rows = live.size === tenantIds.length ? rollups : rollups.filter((r) => live.has(r.tenantId));
    if (rows.length > 0) {
      await tx
        .insert(usageRollups)
        .values(rows)
        .onConflictDoUpdate({
          target: [
            usageRollups.tenantId,
            usageRollups.minute,
            usageRollups.gatewayId,
            usageRollups.installationId,
            usageRollups.toolName,
            usageRollups.method,
            usageRollups.status,
            usageRollups.principalId,
            usageRollups.authMethod,
            usageRollups.agent,
            usageRollups.policyDecision,
            usageRollups.dlpOutcome,
            usageRollups.variant,
          ],
          set: {
            count: sql`${usageRollups.count} + excluded.count`,
            errors: sql`${usageRollups.errors} + excluded.errors`,
            latencyMsSum: sql`${usageRollups.latencyMsSum} + excluded.latency_ms_sum`,
            // Element-wise sum; a shorter array (buckets appended since) counts as zeros.
            latencyBuckets: sql`array(
              select coalesce(a, 0) + coalesce(b, 0)
              from unnest(${usageRollups.latencyBuckets}, excluded.latency_buckets) with ordinality as u(a, b, i)
              order by i)`,
            requestBytes: sql`${usageRollups.requestBytes} + excluded.request_bytes`,
            responseBytes: sql`${usageRollups.responseBytes} + excluded.response_bytes`,
          },
        });
    }
    return { applied: true, events: columns.id.length, rollups: rows.length };
  });
}

type RollupRow = typeof usageRollups.$inferInsert & {
  tenantId: string;
  count: number;
  errors: number;
  latencyMsSum: number;
  latencyBuckets: number[];
  requestBytes: number;
  responseBytes: number;
};

const MINUTE_MS = 60_000;

/**
 * One row per (tenant, minute, gateway, installation, tool, method, status, caller, auth
 * method, agent, policy decision, DLP outcome, canary variant), sorted by key so concurrent upserts lock rows in
 * the same order (no deadlocks). Events of proxies that predate the agent or guardrails roll up
 * under '' (none), like older rows.
 */
export function aggregateRollups(events: readonly UsageEvent[]): RollupRow[] {
  const byKey = new Map<string, RollupRow>();
  for (const e of events) {
    const minute = Math.floor(e.at / MINUTE_MS) * MINUTE_MS;
    const method = rollupMethod(e.method);
    const agent = agentOf(e) ?? '';
    const policyDecision = policyDecisionOf(e.policyOutcome);
    const dlpOutcome = e.dlpOutcome ?? '';
    const variant = e.variant ?? '';
    const key = [
      e.tenantId,
      minute,
      e.gatewayId ?? '',
      e.installationId ?? '',
      e.toolName ?? '',
      method,
      e.status,
      e.principalId ?? '',
      e.authMethod ?? '',
      agent,
      policyDecision,
      dlpOutcome,
      variant,
    ].join('\u0000');
    let row = byKey.get(key);
    if (!row) {
      row = {
        tenantId: e.tenantId,
        minute: new Date(minute),
        gatewayId: e.gatewayId ?? '',
        installationId: e.installationId ?? '',
        toolName: e.toolName ?? '',
        method,
        status: e.status,
        principalId: e.principalId ?? '',
        authMethod: e.authMethod ?? '',
        agent,
        policyDecision,
        dlpOutcome,
        variant,
        count: 0,
        errors: 0,
        latencyMsSum: 0,
        latencyBuckets: new Array<number>(LATENCY_BUCKET_COUNT).fill(0),
        requestBytes: 0,
        responseBytes: 0,
      };
      byKey.set(key, row);
    }
    row.count++;
    if (isErrorStatus(e.status)) row.errors++;
    row.latencyMsSum += e.latencyMs;
    row.latencyBuckets[latencyBucket(e.latencyMs)]!++;
    row.requestBytes += e.requestBytes;
    row.responseBytes += e.responseBytes;
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

/**
 * Audit rows as one array per column: one insert with a parameter per column, whatever the batch
 * size (no 65k-parameter limit, one short statement to parse).
 */
interface AuditColumns {
  id: string[];
  tenantId: string[];
  at: number[];
  requestId: string[];
  traceId: string[];
  gatewayId: (string | null)[];
  principalType: (string | null)[];
  principalId: (string | null)[];
  authMethod: (string | null)[];
  sessionId: (string | null)[];
  agent: (string | null)[];
  method: string[];
  toolName: (string | null)[];
  requestedName: (string | null)[];
  installationId: (string | null)[];
  variant: (string | null)[];
  serverVersion: (string | null)[];
  status: string[];
  errorCode: (number | null)[];
  latencyMs: number[];
  requestBytes: number[];
  responseBytes: number[];
  policyOutcome: (string | null)[];
  dlpOutcome: (string | null)[];
  dlpFindings: (string | null)[];
  request: (string | null)[];
  response: (string | null)[];
}

function auditColumns(events: readonly UsageEvent[]): AuditColumns {
  const ids = uuidV7s(events.length);
  const c: AuditColumns = {
    id: ids,
    tenantId: [],
    at: [],
    requestId: [],
    traceId: [],
    gatewayId: [],
    principalType: [],
    principalId: [],
    authMethod: [],
    sessionId: [],
    agent: [],
    method: [],
    toolName: [],
    requestedName: [],
    installationId: [],
    variant: [],
    serverVersion: [],
    status: [],
    errorCode: [],
    latencyMs: [],
    requestBytes: [],
    responseBytes: [],
    policyOutcome: [],
    dlpOutcome: [],
    dlpFindings: [],
    request: [],
    response: [],
  };
  for (const e of events) {
    c.tenantId.push(e.tenantId);
    c.at.push(e.at);
    c.requestId.push(text(e.requestId));
    c.traceId.push(text(e.traceId));
    c.gatewayId.push(e.gatewayId);
    c.principalType.push(e.principalType);
    c.principalId.push(e.principalId);
    c.authMethod.push(e.authMethod);
    c.sessionId.push(e.sessionId);
    c.agent.push(agentOf(e));
    c.method.push(text(e.method));
    c.toolName.push(e.toolName === null ? null : text(e.toolName));
    c.requestedName.push(e.requestedName ? text(e.requestedName) : null);
    c.installationId.push(e.installationId);
    c.variant.push(e.variant ?? null);
    c.serverVersion.push(e.serverVersion ? text(e.serverVersion) : null);
    c.status.push(e.status);
    c.errorCode.push(e.errorCode);
    c.latencyMs.push(e.latencyMs);
    c.requestBytes.push(e.requestBytes);
    c.responseBytes.push(e.responseBytes);
    c.policyOutcome.push(e.policyOutcome);
    c.dlpOutcome.push(e.dlpOutcome ?? null);
    c.dlpFindings.push(jsonText(e.dlpFindings));
    c.request.push(jsonText(e.request));
    c.response.push(jsonText(e.response));
  }
  return c;
}

function filterColumns(columns: AuditColumns, keep: boolean[]): AuditColumns {
  const out = {} as Record<keyof AuditColumns, unknown[]>;
  for (const [name, values] of Object.entries(columns) as [keyof AuditColumns, unknown[]][]) {
    out[name] = values.filter((_, i) => keep[i]);
  }
  return out as unknown as AuditColumns;
}

function insertAuditSql(c: AuditColumns) {
  return sql`
    insert into audit_events (
      id, tenant_id, occurred_at, request_id, trace_id, gateway_id, principal_type, principal_id,
      auth_method, session_id, agent, method, tool_name, requested_name, installation_id, variant, server_version,
      status, error_code, latency_ms, request_bytes, response_bytes, policy_outcome, dlp_outcome, dlp_findings, request, response
    )
    select id, tenant_id, to_timestamp(at / 1000.0), request_id, trace_id, gateway_id,
      principal_type, principal_id, auth_method, session_id, agent, method, tool_name, requested_name,
      installation_id, variant, server_version, status, error_code, latency_ms, request_bytes, response_bytes,
      policy_outcome, dlp_outcome, dlp_findings, request, response
    from unnest(
      ${sql.param(c.id)}::uuid[], ${sql.param(c.tenantId)}::uuid[], ${sql.param(c.at)}::float8[], ${sql.param(c.requestId)}::text[],
      ${sql.param(c.traceId)}::text[], ${sql.param(c.gatewayId)}::uuid[], ${sql.param(c.principalType)}::text[],
      ${sql.param(c.principalId)}::text[], ${sql.param(c.authMethod)}::text[], ${sql.param(c.sessionId)}::text[],
      ${sql.param(c.agent)}::text[], ${sql.param(c.method)}::text[],
      ${sql.param(c.toolName)}::text[], ${sql.param(c.requestedName)}::text[], ${sql.param(c.installationId)}::uuid[],
      ${sql.param(c.variant)}::text[], ${sql.param(c.serverVersion)}::text[], ${sql.param(c.status)}::text[], ${sql.param(c.errorCode)}::int[],
      ${sql.param(c.latencyMs)}::real[], ${sql.param(c.requestBytes)}::int[], ${sql.param(c.responseBytes)}::int[],
      ${sql.param(c.policyOutcome)}::text[], ${sql.param(c.dlpOutcome)}::text[], ${sql.param(c.dlpFindings)}::jsonb[],
      ${sql.param(c.request)}::jsonb[], ${sql.param(c.response)}::jsonb[]
    ) as u(
      id, tenant_id, at, request_id, trace_id, gateway_id, principal_type, principal_id, auth_method,
      session_id, agent, method, tool_name, requested_name, installation_id, variant, server_version, status, error_code,
      latency_ms, request_bytes,
      response_bytes, policy_outcome, dlp_outcome, dlp_findings, request, response
    )`;
}

/** The event's agent as stored: capped again here, as it is a rollup dimension. */
const agentOf = (e: UsageEvent): string | null => (e.agent ? text(e.agent.slice(0, MAX_AGENT_CHARS)) : null);

/** Postgres text cannot hold NUL; client-chosen strings (methods) might. */
const text = (value: string): string => (value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value);

/**
 * JSON for a jsonb column. jsonb refuses `\u0000` and unpaired surrogates, which JSON.stringify
 * writes as escapes; only when one might be present is the value serialised again, cleaned.
 */
function jsonText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const json = JSON.stringify(value);
  if (json === undefined) return null;
  if (!/\\u(?:0000|d[89a-f])/i.test(json)) return json;
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? v.replaceAll('\0', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD') : v,
  );
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Time-ordered UUIDs (version 7): audit rows arrive in time order, so their primary key index
 * grows at one end instead of taking random page writes.
 */
function uuidV7s(count: number): string[] {
  const random = randomFillSync(Buffer.allocUnsafe(count * 10));
  const ms = Date.now();
  const out = new Array<string>(count);
  const time = ms.toString(16).padStart(12, '0');
  for (let i = 0; i < count; i++) {
    const r = random.subarray(i * 10, i * 10 + 10);
    r[0] = (r[0]! & 0x0f) | 0x70; // version 7
    r[2] = (r[2]! & 0x3f) | 0x80; // variant 10
    const hex = r.toString('hex');
    out[i] =
      `${time.slice(0, 8)}-${time.slice(8, 12)}-${hex.slice(0, 4)}-${hex.slice(4, 8)}-${hex.slice(8, 20)}`;
  }
  return out;
}

export type { ExpireOptions };

const DAY_MS = 86_400_000;
const MAX_RETENTION_DAYS = 3_650;

/** A tenant's audit retention: its `auditRetentionDays` setting when sensible, else the default. */
export function auditRetentionDays(setting: unknown, fallback = DEFAULT_AUDIT_RETENTION_DAYS): number {
  const days = typeof setting === 'string' ? Number(setting) : setting;
  return typeof days === 'number' && Number.isFinite(days) && days >= 1
    ? Math.min(Math.floor(days), MAX_RETENTION_DAYS)
    : fallback;
}

/**
 * Deletes audit events older than each tenant's retention, in bounded chunks along the
 * (tenant, time) index. Rows another deleter holds are skipped, so concurrent workers can
 * run this at the same time. Returns how many rows went.
 */
export async function expireAuditEvents(
  db: Database,
  {
    defaultRetentionDays = DEFAULT_AUDIT_RETENTION_DAYS,
    ...options
  }: ExpireOptions & {
    defaultRetentionDays?: number;
  } = {},
): Promise<number> {
  const now = options.now ?? new Date();
  const rows = await db
    .select({ id: tenants.id, days: sql<unknown>`${tenants.settings} -> 'auditRetentionDays'` })
    .from(tenants);
  let deleted = 0;
  for (const tenant of rows) {
    const cutoff = new Date(now.getTime() - auditRetentionDays(tenant.days, defaultRetentionDays) * DAY_MS);
    deleted += await deleteRowsInChunks(
      db,
      'audit_events',
      sql`tenant_id = ${tenant.id} and occurred_at < ${cutoff.toISOString()}`,
      options,
    );
  }
  return deleted;
}

/** Deletes rollup minutes before `olderThan`, in bounded chunks along the minute index. */
export function expireUsageRollups(db: Database, olderThan: Date, options: ExpireOptions = {}) {
  return deleteRowsInChunks(db, 'usage_rollups', sql`minute < ${olderThan.toISOString()}`, options);
}

/** Forgets processed batch ids older than `olderThan` (long past any redelivery). */
export function expireProcessedBatches(db: Database, olderThan: Date, options: ExpireOptions = {}) {
  return deleteRowsInChunks(
    db,
    'processed_usage_batches',
    sql`processed_at < ${olderThan.toISOString()}`,
    options,
  );
}
