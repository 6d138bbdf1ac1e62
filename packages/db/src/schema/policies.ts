import type { PolicyAction, PolicyApprovers } from '@toolgate/core/policy';
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
import { teams, tenants, users } from './tenancy.ts';

/** Who approves a call a `require_approval` policy holds (see PolicyApprovers in @toolgate/core/policy). */
export const APPROVER_KINDS = ['caller', 'admins', 'team'] as const;
export type ApproverKind = (typeof APPROVER_KINDS)[number];

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
    /**
     * `require_approval` only (other actions keep the default): who approves. `team` names
     * `approverTeamId`; when that team is deleted the column goes null and owners and admins approve.
     */
    approvers: text().$type<ApproverKind>().notNull().default('caller'),
    approverTeamId: uuid().references(() => teams.id, { onDelete: 'set null' }),
    createdBy: uuid().references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('policies_tenant_name_idx').on(t.tenantId, sql`lower(${t.name})`),
    check('policies_action_chk', sql`${t.action} in ('allow', 'deny', 'require_approval')`),
    check('policies_approvers_chk', sql`${t.approvers} in ('caller', 'admins', 'team')`),
  ],
);

/**
 * Who approves the calls a policy holds, as the proxy receives it: undefined for policies that
 * hold nothing; a team policy whose team was deleted falls to the workspace's owners and admins.
 */
export function storedApprovers(
  row: Pick<typeof policies.$inferSelect, 'action' | 'approvers' | 'approverTeamId'>,
): PolicyApprovers | undefined {
  if (row.action !== 'require_approval') return undefined;
  if (row.approvers === 'team')
    return row.approverTeamId ? { kind: 'team', teamId: row.approverTeamId } : { kind: 'admins' };
  return { kind: row.approvers };
}

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
