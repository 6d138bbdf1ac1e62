import { DLP_OUTCOMES, policyDecisionOf, type DlpOutcome } from '@toolgate/core/dlp';
import type { UsageStatus } from '@toolgate/core/usage';
import type { Database } from '@toolgate/db/client';
import { auditEvents } from '@toolgate/db/schema';
import { and, desc, lte, sql, type SQL } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { ZLogsQuery, type LogEntry, type LogPage } from '../schemas/usage.ts';
import { decodeLogCursor, encodeLogCursor } from '../usage/log-cursor.ts';
import { loadUsageLabels, type UsageLabels } from '../usage/usage-labels.ts';
import { auditConditions, prepareUsageQuery, rowsOf, windowOf } from '../usage/usage-query.ts';

export interface ListAuditEventsOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  /** ZLogsQuery: window, filters, cursor and page size. */
  input: unknown;
  now?: Date;
}

/** Counting stops here: a count of a huge window must not scan all of it. */
export const MAX_COUNTED_EVENTS = 10_000;

/** Lists show the start of an error's message; the event's page has all of it. */
const ERROR_MESSAGE_CHARS = 300;
const DENY_PREFIX = 'deny:';

/** The list columns of an event (its request and response stay out of lists). */
export const logEntryColumns = {
  id: auditEvents.id,
  occurredAt: auditEvents.occurredAt,
  method: auditEvents.method,
  toolName: auditEvents.toolName,
  requestedName: auditEvents.requestedName,
  status: auditEvents.status,
  errorCode: auditEvents.errorCode,
  errorMessage: sql<string | null>`left(case
    when ${auditEvents.status} in ('error', 'denied') then ${auditEvents.response} ->> 'message'
    when ${auditEvents.status} = 'tool_error' then ${auditEvents.response} -> 'content' -> 0 ->> 'text'
  end, ${ERROR_MESSAGE_CHARS})`,
  policyOutcome: auditEvents.policyOutcome,
  dlpOutcome: auditEvents.dlpOutcome,
  dlpFindings: auditEvents.dlpFindings,
  latencyMs: auditEvents.latencyMs,
  requestBytes: auditEvents.requestBytes,
  responseBytes: auditEvents.responseBytes,
  authMethod: auditEvents.authMethod,
  gatewayId: auditEvents.gatewayId,
  installationId: auditEvents.installationId,
  principalId: auditEvents.principalId,
  agent: auditEvents.agent,
};

type ValueOf<C> = C extends SQL<infer T> ? T : C extends { _: { data: infer D } } ? D : never;
type LogEntryRow = { [K in keyof typeof logEntryColumns]: ValueOf<(typeof logEntryColumns)[K]> | null };

export function toLogEntry(row: LogEntryRow, labels: UsageLabels): LogEntry {
  return {
    id: row.id!,
    occurredAt: row.occurredAt!.toISOString(),
    method: row.method!,
    toolName: row.toolName,
    requestedName: row.requestedName,
    status: row.status as UsageStatus,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    denyReason: row.policyOutcome?.startsWith(DENY_PREFIX)
      ? row.policyOutcome.slice(DENY_PREFIX.length)
      : null,
    latencyMs: row.latencyMs ?? 0,
    requestBytes: row.requestBytes ?? 0,
    responseBytes: row.responseBytes ?? 0,
    authMethod: row.authMethod,
    gateway: labels.gateway(row.gatewayId),
    server: labels.server(row.installationId),
    caller: labels.caller(row.principalId),
    agent: labels.agent(row.agent),
    policyDecision: policyDecisionOf(row.policyOutcome) || null,
    dlpOutcome: (DLP_OUTCOMES as readonly (string | null)[]).includes(row.dlpOutcome)
      ? (row.dlpOutcome as DlpOutcome)
      : null,
    dlpFindings: findingCounts(row.dlpFindings),
  };
}

/** Counts by detector as stored; anything else in the column (it is jsonb) is left out. */
function findingCounts(value: unknown): Record<string, number> | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const counts = Object.entries(value as Record<string, unknown>).filter((entry): entry is [string, number] =>
    Number.isInteger(entry[1]),
  );
  return counts.length > 0 ? Object.fromEntries(counts) : null;
}

/**
 * The audit log, newest first, one page at a time: keyset pagination on (occurred_at, id) along
 * the (tenant, occurred_at) index, so page 1000 costs what page 1 does. The first page also
 * counts the matching events (up to MAX_COUNTED_EVENTS). Members see their own calls only.
 */
export async function listAuditEvents({
  db,
  tenantId,
  actor,
  input,
  now,
}: ListAuditEventsOptions): Promise<LogPage> {
  const { query, parsed } = await prepareUsageQuery(ZLogsQuery, { db, tenantId, actor, input, now });
  const cursor = parsed.cursor ? decodeLogCursor(parsed.cursor) : null;
  const e = auditEvents;
  const matching = auditConditions(query);
  const after = cursor
    ? and(
        // The plain bound lets the index scan start at the cursor; the row comparison breaks ties.
        lte(e.occurredAt, sql`${cursor.occurredAt}::timestamptz`),
        sql`(${e.occurredAt}, ${e.id}) < (${cursor.occurredAt}::timestamptz, ${cursor.id}::uuid)`,
      )
    : undefined;

  const [rows, total] = await Promise.all([
    db
      .select({
        ...logEntryColumns,
        position: sql<string>`to_char(${e.occurredAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      })
      .from(e)
      .where(and(matching, after))
      .orderBy(desc(e.occurredAt), desc(e.id))
      .limit(parsed.limit + 1),
    cursor ? null : countMatching(db, matching),
  ]);
  const page = rows.slice(0, parsed.limit);
  const last = page.at(-1);
  const labels = await loadUsageLabels(db, tenantId, {
    gateways: page.map((r) => r.gatewayId),
    servers: page.map((r) => r.installationId),
    callers: page.map((r) => r.principalId),
    agents: page.map((r) => r.agent),
  });
  return {
    range: windowOf(query),
    events: page.map((r) => toLogEntry(r, labels)),
    nextCursor:
      rows.length > parsed.limit && last ? encodeLogCursor({ occurredAt: last.position, id: last.id }) : null,
    total,
  };
}

async function countMatching(db: Database, where: ReturnType<typeof auditConditions>) {
  const result = await db.execute(sql`
    select count(*)::int as count
    from (select 1 from ${auditEvents} where ${where} limit ${MAX_COUNTED_EVENTS + 1}) as matching`);
  const count = rowsOf<{ count: number }>(result)[0]?.count ?? 0;
  return { count: Math.min(count, MAX_COUNTED_EVENTS), capped: count > MAX_COUNTED_EVENTS };
}
