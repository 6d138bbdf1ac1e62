import type { Database } from '@toolgate/db/client';
import { apiTokens, auditEvents, usageRollups } from '@toolgate/db/schema';
import { and, eq, gte, inArray, lt, ne, sql, type SQL } from 'drizzle-orm';
import { isAdmin, type Actor } from '../actor.ts';
import type { UsageRange, UsageStatusFilter } from '../schemas/usage.ts';
import { visibleTokens } from '../token-access.ts';
import { parseInput } from '../validation.ts';
import { firstMinute, resolveTimeWindow, type TimeWindow } from './time-range.ts';
import type { z } from 'zod';

/** Filters after validation (the services parse their input with ZUsageFilters or ZLogsQuery). */
export interface ParsedUsageFilters {
  range?: UsageRange;
  from?: string;
  to?: string;
  gatewayId?: string;
  installationId?: string;
  tool?: string;
  principalId?: string;
  status?: UsageStatusFilter;
  authMethod?: string;
  method?: string;
}

/**
 * What one usage query reads: the tenant, the window, the filters, and whose calls. `principals`
 * is null for owners and admins (every call of the tenant) and otherwise the caller's own
 * principal ids: members see their own calls only.
 */
export interface UsageQuery {
  tenantId: string;
  window: TimeWindow;
  filters: ParsedUsageFilters;
  principals: string[] | null;
}

/**
 * The principal ids whose calls an actor may see; null for all. Members (and team tokens) see the
 * calls made with the tokens they can see on the Tokens page (their own) and their own sign-ins.
 */
export async function visiblePrincipals(
  db: Database,
  tenantId: string,
  actor: Actor,
): Promise<string[] | null> {
  if (isAdmin(actor)) return null;
  const tokens = await db.select({ id: apiTokens.id }).from(apiTokens).where(visibleTokens(tenantId, actor));
  const ids = tokens.map((t) => `token:${t.id}`);
  if (actor.userId) ids.push(`user:${actor.userId}`);
  return ids;
}

/** Parses a service's input, resolves its window and the actor's visibility in one step. */
export async function prepareUsageQuery<S extends z.ZodType<ParsedUsageFilters>>(
  schema: S,
  {
    db,
    tenantId,
    actor,
    input,
    now,
  }: { db: Database; tenantId: string; actor: Actor; input: unknown; now?: Date },
): Promise<{ query: UsageQuery; parsed: z.output<S> }> {
  const parsed = parseInput(schema, input ?? {});
  const filters = normalise(parsed);
  const window = resolveTimeWindow(filters, now);
  const principals = await visiblePrincipals(db, tenantId, actor);
  return { query: { tenantId, window, filters, principals }, parsed };
}

/** Stored ids are lower-case; rollup dimensions are text, where case matters. */
function normalise(f: ParsedUsageFilters): ParsedUsageFilters {
  return {
    ...f,
    gatewayId: f.gatewayId?.toLowerCase(),
    installationId: f.installationId?.toLowerCase(),
  };
}

const statusCondition = (column: typeof usageRollups.status | typeof auditEvents.status, status?: string) =>
  status === 'errors' ? ne(column, 'ok') : status ? eq(column, status) : undefined;

const principalCondition = (
  column: typeof usageRollups.principalId | typeof auditEvents.principalId,
  principals: string[] | null,
) => (principals === null ? undefined : principals.length > 0 ? inArray(column, principals) : sql`false`);

/** The query's filters and whose calls, on either table: their dimension columns share names. */
function filterConditions(
  t: typeof usageRollups | typeof auditEvents,
  { filters: f, principals }: UsageQuery,
): (SQL | undefined)[] {
  return [
    f.gatewayId ? eq(t.gatewayId, f.gatewayId) : undefined,
    f.installationId ? eq(t.installationId, f.installationId) : undefined,
    f.tool ? eq(t.toolName, f.tool) : undefined,
    f.principalId ? eq(t.principalId, f.principalId) : undefined,
    f.authMethod ? eq(t.authMethod, f.authMethod) : undefined,
    f.method ? eq(t.method, f.method) : undefined,
    statusCondition(t.status, f.status),
    principalCondition(t.principalId, principals),
  ];
}

/**
 * Rollup rows of the query, along the (tenant, minute, …) primary key: the minutes overlapping
 * the window, then the filters.
 */
export function rollupConditions(query: UsageQuery): SQL {
  const r = usageRollups;
  return and(
    eq(r.tenantId, query.tenantId),
    gte(r.minute, firstMinute(query.window.from)),
    lt(r.minute, query.window.to),
    ...filterConditions(r, query),
  )!;
}

/** Audit events of the query, along the (tenant, occurred_at) index. */
export function auditConditions(query: UsageQuery): SQL {
  const e = auditEvents;
  return and(
    eq(e.tenantId, query.tenantId),
    gte(e.occurredAt, query.window.from),
    lt(e.occurredAt, query.window.to),
    ...filterConditions(e, query),
  )!;
}

/** Only the event's tenant, and for members only their own calls. */
export function auditEventVisible(tenantId: string, principals: string[] | null): SQL {
  return and(eq(auditEvents.tenantId, tenantId), principalCondition(auditEvents.principalId, principals))!;
}

/** Rows of `db.execute`, typed by the caller (the SQL names the columns). */
export const rowsOf = <T>(result: { rows: unknown[] }): T[] => result.rows as T[];

/** The window as services answer it. */
export const windowOf = ({ window }: UsageQuery) => ({
  from: window.from.toISOString(),
  to: window.to.toISOString(),
  preset: window.preset,
  bucketSeconds: window.bucketMs / 1000,
});

export interface TopRow {
  key: string;
  calls: number;
  errors: number;
  latency: number;
}

/** The busiest values of one rollup dimension ('' — none — left out). */
export async function topBy(
  db: Database,
  where: SQL,
  dimension:
    | typeof usageRollups.toolName
    | typeof usageRollups.installationId
    | typeof usageRollups.principalId
    | typeof usageRollups.gatewayId,
  limit: number,
): Promise<TopRow[]> {
  const result = await db.execute(sql`
    select ${dimension} as key,
      sum(${usageRollups.count})::float8 as calls,
      sum(${usageRollups.errors})::float8 as errors,
      sum(${usageRollups.latencyMsSum})::float8 as latency
    from ${usageRollups}
    where ${where} and ${dimension} <> ''
    group by 1
    order by 2 desc, 1
    limit ${limit}`);
  return rowsOf<TopRow>(result);
}
