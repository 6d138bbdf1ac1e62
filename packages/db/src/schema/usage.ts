import { sql } from 'drizzle-orm';
import {
  bigint,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenants } from './tenancy.ts';

/**
 * One row per client message through a gateway (see UsageEvent in @toolgate/core/usage). No
 * foreign keys besides the tenant: audit rows outlive the gateways and users they mention, and
 * inserts stay cheap. Expiry is by time per tenant (`settings.auditRetentionDays`): the worker
 * deletes in bounded chunks along `audit_events_tenant_time_idx`.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid().primaryKey(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    occurredAt: timestamp({ withTimezone: true }).notNull(),
    requestId: text(),
    traceId: text(),
    gatewayId: uuid(),
    principalType: text(),
    principalId: text(),
    authMethod: text(),
    sessionId: text(),
    /**
     * The agent: the caller's OAuth client id, else the name the client declared (capped);
     * null when neither is known (and on rows older than the column).
     */
    agent: text(),
    method: text().notNull(),
    toolName: text(),
    /**
     * tools/call of a name the gateway does not expose: the name asked for (capped). Audit only:
     * rollups count exposed tools, so made-up names cannot inflate them.
     */
    requestedName: text(),
    installationId: uuid(),
    status: text().notNull(),
    errorCode: integer(),
    latencyMs: real().notNull().default(0),
    requestBytes: integer().notNull().default(0),
    responseBytes: integer().notNull().default(0),
    policyOutcome: text(),
    /** Guardrails: `none | logged | redacted | blocked`; null where none applied (and on older rows). */
    dlpOutcome: text(),
    /** Findings counted by detector (never the matched values); null when none. */
    dlpFindings: jsonb().$type<Record<string, number>>(),
    /** For an installation running a canary: `stable` or `canary` (the side this call went to). */
    variant: text(),
    /** The server version this call reached, where known (packaged servers). */
    serverVersion: text(),
    /** Redacted and size-capped. */
    request: jsonb(),
    response: jsonb(),
  },
  (t) => [
    index('audit_events_tenant_time_idx').on(t.tenantId, t.occurredAt),
    index('audit_events_time_idx').on(t.occurredAt),
  ],
);

/**
 * Per-minute aggregates by caller (and agent) → gateway → server (installation) → tool, method and status;
 * empty-string dimensions stand for "none" so the key stays total. `method` is the MCP method,
 * or `other` for names clients made up (rollupMethod in @toolgate/core/usage).
 */
export const usageRollups = pgTable(
  'usage_rollups',
  {
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    minute: timestamp({ withTimezone: true }).notNull(),
    gatewayId: text().notNull().default(''),
    installationId: text().notNull().default(''),
    toolName: text().notNull().default(''),
    method: text().notNull().default(''),
    status: text().notNull(),
    /** The caller (`token:<id>`, …); '' for callers refused before they were known. */
    principalId: text().notNull().default(''),
    authMethod: text().notNull().default(''),
    /** The agent (see audit_events.agent); '' when unknown, as on rows older than the column. */
    agent: text().notNull().default(''),
    /** policyDecisionOf(policyOutcome) in @toolgate/core/dlp; '' when no policy decided. */
    policyDecision: text().notNull().default(''),
    /** The DLP outcome; '' where no guardrail applied. */
    dlpOutcome: text().notNull().default(''),
    /** `stable` | `canary` for installations running a canary; '' otherwise. */
    variant: text().notNull().default(''),
    count: bigint({ mode: 'number' }).notNull().default(0),
    /** Events whose status is not `ok`. */
    errors: bigint({ mode: 'number' }).notNull().default(0),
    latencyMsSum: doublePrecision().notNull().default(0),
    /** Counts per latency bucket; bounds (LATENCY_BUCKET_BOUNDS_MS) live in @toolgate/core/usage. */
    latencyBuckets: integer()
      .array()
      .$type<number[]>()
      .notNull()
      .default(sql`'{}'::integer[]`),
    requestBytes: bigint({ mode: 'number' }).notNull().default(0),
    responseBytes: bigint({ mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({
      name: 'usage_rollups_pk',
      columns: [
        t.tenantId,
        t.minute,
        t.gatewayId,
        t.installationId,
        t.toolName,
        t.method,
        t.status,
        t.principalId,
        t.authMethod,
        t.agent,
        t.policyDecision,
        t.dlpOutcome,
        t.variant,
      ],
    }),
    index('usage_rollups_minute_idx').on(t.minute),
  ],
);

/**
 * Batch ids already applied, so a redelivered usage batch is not counted twice. Kept well past
 * any redelivery (queue retries, proxies retrying an enqueue), then expired by `processed_at`.
 */
export const processedUsageBatches = pgTable(
  'processed_usage_batches',
  {
    batchId: text().primaryKey(),
    processedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('processed_usage_batches_time_idx').on(t.processedAt)],
);
