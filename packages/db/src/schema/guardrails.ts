import type {
  CustomPattern,
  DetectorName,
  GuardrailAction,
  GuardrailDirection,
  GuardrailFailMode,
} from '@toolgate/core/dlp';
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from './columns.ts';
import { gateways } from './gateways.ts';
import { tenants, users } from './tenancy.ts';

/**
 * A guardrail: DLP detectors (and the tenant's own patterns) run on a tool call's arguments,
 * results or both, with what to do on a finding; optionally an external endpoint asked after them.
 * `allGateways` as for policies: a guardrail whose chosen gateways are all deleted applies nowhere.
 */
export const guardrails = pgTable(
  'guardrails',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    description: text().notNull().default(''),
    enabled: boolean().notNull().default(true),
    allGateways: boolean().notNull().default(true),
    direction: text().$type<GuardrailDirection>().notNull(),
    detectors: text()
      .array()
      .$type<DetectorName[]>()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** The tenant's patterns (RE2 syntax, checked when saved). */
    patterns: jsonb().$type<CustomPattern[]>().notNull().default([]),
    action: text().$type<GuardrailAction>().notNull(),
    /** An external guardrail (https, SSRF-guarded) asked after the detectors; null: none. */
    externalUrl: text(),
    /** Its signing secret, sealed (guardrailSecretAad); set with the URL. */
    externalSecretSealed: text(),
    externalTimeoutMs: integer().notNull().default(2000),
    externalFailMode: text().$type<GuardrailFailMode>().notNull().default('closed'),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('guardrails_tenant_name_idx').on(t.tenantId, sql`lower(${t.name})`),
    check('guardrails_direction_chk', sql`${t.direction} in ('arguments', 'results', 'both')`),
    check('guardrails_action_chk', sql`${t.action} in ('log', 'redact', 'block')`),
    check('guardrails_fail_mode_chk', sql`${t.externalFailMode} in ('open', 'closed')`),
  ],
);

/** The gateways a guardrail with `allGateways = false` applies to. */
export const guardrailGateways = pgTable(
  'guardrail_gateways',
  {
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    guardrailId: uuid()
      .notNull()
      .references(() => guardrails.id, { onDelete: 'cascade' }),
    gatewayId: uuid()
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.guardrailId, t.gatewayId] }),
    index('guardrail_gateways_gateway_idx').on(t.tenantId, t.gatewayId),
  ],
);
