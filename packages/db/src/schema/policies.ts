import type { PolicyAction } from '@toolgate/core/policy';
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
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
 * A tool-call policy: a CEL condition (type-checked when saved) and what to do when it holds.
 * `allGateways` says where it applies: every gateway of the tenant, or only the gateways in
 * `policy_gateways`. Kept as a column rather than read off "no rows": a policy whose chosen
 * gateways are all deleted must apply nowhere, not suddenly everywhere.
 */
export const policies = pgTable(
  'policies',
  {
    id: id(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    description: text().notNull().default(''),
    /** Higher first; see comparePolicies in @toolgate/core/policy. */
    priority: integer().notNull().default(0),
    enabled: boolean().notNull().default(true),
    allGateways: boolean().notNull().default(true),
    condition: text().notNull(),
    action: text().$type<PolicyAction>().notNull(),
    /** Returned to the model with a deny; shown with an approval request. */
    message: text().notNull().default(''),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('policies_tenant_name_idx').on(t.tenantId, sql`lower(${t.name})`),
    check('policies_action_chk', sql`${t.action} in ('allow', 'deny', 'require_approval')`),
  ],
);

/** The gateways a policy with `allGateways = false` applies to. */
export const policyGateways = pgTable(
  'policy_gateways',
  {
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    policyId: uuid()
      .notNull()
      .references(() => policies.id, { onDelete: 'cascade' }),
    gatewayId: uuid()
      .notNull()
      .references(() => gateways.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.policyId, t.gatewayId] }),
    index('policy_gateways_gateway_idx').on(t.tenantId, t.gatewayId),
  ],
);
