import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenants } from './tenancy.ts';

/**
 * One row per client message through a gateway. No foreign keys besides the tenant: audit
 * rows outlive the gateways and users they mention, and inserts stay cheap.
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
    method: text().notNull(),
    toolName: text(),
    installationId: uuid(),
    status: text().notNull(),
    errorCode: integer(),
    latencyMs: integer().notNull().default(0),
    requestBytes: integer().notNull().default(0),
    responseBytes: integer().notNull().default(0),
    policyOutcome: text(),
    /** Redacted and size-capped. */
    request: jsonb(),
    response: jsonb(),
  },
  (t) => [
    index('audit_events_tenant_time_idx').on(t.tenantId, t.occurredAt),
    index('audit_events_time_idx').on(t.occurredAt),
  ],
);

/** Per-minute aggregates; empty-string dimensions stand for "none" so the key stays total. */
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
    status: text().notNull(),
    count: bigint({ mode: 'number' }).notNull().default(0),
    errors: bigint({ mode: 'number' }).notNull().default(0),
    latencyMsSum: bigint({ mode: 'number' }).notNull().default(0),
    /** Counts per latency bucket; bounds live in @toolgate/core. */
    latencyBuckets: jsonb().$type<number[]>().notNull().default([]),
    requestBytes: bigint({ mode: 'number' }).notNull().default(0),
    responseBytes: bigint({ mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.minute, t.gatewayId, t.installationId, t.toolName, t.status] }),
    index('usage_rollups_minute_idx').on(t.minute),
  ],
);

/** Batch ids already applied, so a redelivered usage batch is not counted twice. */
export const processedUsageBatches = pgTable('processed_usage_batches', {
  batchId: text().primaryKey(),
  processedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
