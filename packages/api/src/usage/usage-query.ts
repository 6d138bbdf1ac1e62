import type { DlpOutcome, PolicyDecision } from '@toolgate/core/dlp';
import type { Database } from '@toolgate/db/client';
import {
  apiTokens,
  auditEvents,
  gateways,
  gatewayTeams,
  installations,
  teamMembers,
  usageRollups,
} from '@toolgate/db/schema';
import { and, eq, gte, inArray, like, lt, ne, or, sql, type SQL } from 'drizzle-orm';
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
  agent?: string;
  status?: UsageStatusFilter;
  authMethod?: string;
  method?: string;
  policyDecision?: PolicyDecision;
  dlpOutcome?: DlpOutcome;
}

/**
 * Whose calls an actor sees when not all of the tenant's: calls made by these principals, or
 * through these installations or gateways (a team maintainer's view of the team's usage).
 */
export interface VisibleCalls {
  principals: string[];
  installations: string[];
  gateways: string[];
}

/**
 * What one usage query reads: the tenant, the window, the filters, and whose calls. `visible` is
 * null for owners and admins (every call of the tenant); members see their own calls, and team
 * maintainers also the calls of their teams.
 */
export interface UsageQuery {
  tenantId: string;
  window: TimeWindow;
  filters: ParsedUsageFilters;
  visible: VisibleCalls | null;
}

/**
 * The calls an actor may see; null for all. Members (and team tokens) see the calls made with the
 * tokens they can see on the Tokens page (their own, and their teams' if they maintain them) and
 * their own sign-ins. A team's maintainer also sees every call through the team's installations
 * and through the gateways shared with their teams only (a gateway shared with another team too
 * carries calls of people outside theirs).
 */
export async function visibleCalls(
  db: Database,
  tenantId: string,
  actor: Actor,
): Promise<VisibleCalls | null> {
  if (isAdmin(actor)) return null;
  const tokens = await db.select({ id: apiTokens.id }).from(apiTokens).where(visibleTokens(tenantId, actor));
  const principals = tokens.map((t) => `token:${t.id}`);
  if (!actor.userId) return { principals, installations: [], gateways: [] };
  principals.push(`user:${actor.userId}`);
  const maintained = db
    .select({ teamId: teamMembers.teamId })
    .from(teamMembers)
    .where(
      and(
        eq(teamMembers.tenantId, tenantId),
        eq(teamMembers.userId, actor.userId),
        eq(teamMembers.role, 'maintainer'),
      ),
    );
  const [teamInstallations, teamGateways] = await Promise.all([
    db
      .select({ id: installations.id })
      .from(installations)
      .where(
        and(
          eq(installations.tenantId, tenantId),
          eq(installations.scope, 'team'),
          inArray(installations.teamId, maintained),
        ),
      ),
    db
      .select({ id: gateways.id })
      .from(gateways)
      .innerJoin(gatewayTeams, eq(gatewayTeams.gatewayId, gateways.id))
      .where(and(eq(gateways.tenantId, tenantId), eq(gateways.visibility, 'teams')))
      .groupBy(gateways.id)
      .having(sql`bool_and(${inArray(gatewayTeams.teamId, maintained)})`),
  ]);
  return {
    principals,
    installations: teamInstallations.map((i) => i.id),
    gateways: teamGateways.map((g) => g.id),
  };
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
  const visible = await visibleCalls(db, tenantId, actor);
  return { query: { tenantId, window, filters, visible }, parsed };
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

/** Calls made by the visible principals or through the visible installations or gateways. */
function visibleCondition(t: typeof usageRollups | typeof auditEvents, visible: VisibleCalls | null) {
  if (visible === null) return undefined;
  const conditions = [
    visible.principals.length > 0 ? inArray(t.principalId, visible.principals) : undefined,
    visible.installations.length > 0 ? inArray(t.installationId, visible.installations) : undefined,
    visible.gateways.length > 0 ? inArray(t.gatewayId, visible.gateways) : undefined,
  ].filter((c) => c !== undefined);
  return conditions.length > 0 ? or(...conditions)! : sql`false`;
}

/**
 * The audit's policy outcomes of each decision, as policyDecisionOf in @toolgate/core/dlp reads
 * them (usage-dlp-filters.int.test.ts holds the two together): whole values, and prefixes.
 */
export const POLICY_OUTCOMES_OF: Record<PolicyDecision, { equals: string[]; prefixes: string[] }> = {
  none: { equals: ['allow'], prefixes: [] },
  allow: { equals: [], prefixes: ['allow:'] },
  deny: { equals: ['deny:policy_unavailable'], prefixes: ['deny:policy:'] },
  approved: { equals: [], prefixes: ['approved:'] },
  approval_denied: {
    equals: [],
    prefixes: ['deny:needs_confirmation:', 'deny:declined:', 'deny:approval_unavailable:', 'deny:approval:'],
  },
  pending: { equals: [], prefixes: ['pending_approval:'] },
};

/** `like` takes `_` and `%` as wildcards: the prefixes mean them literally. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Audit events of a policy decision: conditions on policy_outcome, a row filter on the rows the
 * (tenant, occurred_at) index finds.
 */
function policyOutcomeCondition(decision: PolicyDecision): SQL {
  const { equals, prefixes } = POLICY_OUTCOMES_OF[decision];
  return or(
    equals.length > 0 ? inArray(auditEvents.policyOutcome, equals) : undefined,
    ...prefixes.map((p) => like(auditEvents.policyOutcome, likePrefix(p))),
  )!;
}

/** The query's filters and whose calls, on either table: their dimension columns share names. */
function filterConditions(
  t: typeof usageRollups | typeof auditEvents,
  { filters: f, visible }: UsageQuery,
): (SQL | undefined)[] {
  return [
    f.policyDecision
      ? t === usageRollups
        ? eq(usageRollups.policyDecision, f.policyDecision)
        : policyOutcomeCondition(f.policyDecision)
      : undefined,
    f.dlpOutcome ? eq(t.dlpOutcome, f.dlpOutcome) : undefined,
    f.gatewayId ? eq(t.gatewayId, f.gatewayId) : undefined,
    f.installationId ? eq(t.installationId, f.installationId) : undefined,
    f.tool ? eq(t.toolName, f.tool) : undefined,
    f.principalId ? eq(t.principalId, f.principalId) : undefined,
    f.agent ? eq(t.agent, f.agent) : undefined,
    f.authMethod ? eq(t.authMethod, f.authMethod) : undefined,
    f.method ? eq(t.method, f.method) : undefined,
    statusCondition(t.status, f.status),
    visibleCondition(t, visible),
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

/** Only the event's tenant, and for members only the calls they may see. */
export function auditEventVisible(tenantId: string, visible: VisibleCalls | null): SQL {
  return and(eq(auditEvents.tenantId, tenantId), visibleCondition(auditEvents, visible))!;
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
    | typeof usageRollups.gatewayId
    | typeof usageRollups.agent,
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
