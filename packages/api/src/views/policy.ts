import { comparePolicies, type SnapshotPolicy } from '@toolgate/core/policy';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import type { Executor } from '@toolgate/db/config-outbox';
import { policies, policyGateways } from '@toolgate/db/schema';
import { and, eq, inArray } from 'drizzle-orm';
import { toIso } from '../schemas/common.ts';
import type { Policy, PolicyApproversView } from '../schemas/policies.ts';

export type PolicyRow = typeof policies.$inferSelect;

export const policyNotFound = () => new AppError('NOT_FOUND', 'Policy not found');

export const policyNameTaken = (name: string) =>
  new AppError('CONFLICT', `A policy named "${name}" already exists`, {
    fields: [{ path: 'name', message: `"${name}" is taken by another policy` }],
  });

/** A gateway named by the request was deleted while the policy was being saved. */
export const gatewayGone = () =>
  new AppError('NOT_FOUND', 'A gateway named in gatewayIds no longer exists', {
    fields: [{ path: 'gatewayIds', message: 'a gateway named here no longer exists' }],
  });

/** The tenant's policy, else NOT_FOUND (another tenant's looks the same). */
export async function findPolicyRow(db: Executor, tenantId: string, policyId: string): Promise<PolicyRow> {
  const [row] = await db
    .select()
    .from(policies)
    .where(and(eq(policies.tenantId, tenantId), eq(policies.id, policyId)));
  if (!row) throw policyNotFound();
  return row;
}

/** The gateways of policies that name theirs, by policy id (sorted). */
export async function policyGatewayIds(
  db: Executor,
  tenantId: string,
  policyIds: readonly string[],
): Promise<Map<string, string[]>> {
  const byPolicy = new Map<string, string[]>();
  if (policyIds.length === 0) return byPolicy;
  const rows = await db
    .select({ policyId: policyGateways.policyId, gatewayId: policyGateways.gatewayId })
    .from(policyGateways)
    .where(and(eq(policyGateways.tenantId, tenantId), inArray(policyGateways.policyId, [...policyIds])));
  for (const { policyId, gatewayId } of rows) {
    const ids = byPolicy.get(policyId);
    if (ids) ids.push(gatewayId);
    else byPolicy.set(policyId, [gatewayId]);
  }
  for (const ids of byPolicy.values()) ids.sort();
  return byPolicy;
}

/** The approvers of a `require_approval` policy as answered (null for other actions). */
export function policyApprovers(
  row: Pick<PolicyRow, 'action' | 'approvers' | 'approverTeamId'>,
): PolicyApproversView | null {
  if (row.action !== 'require_approval') return null;
  if (row.approvers === 'team') return { kind: 'team', teamId: row.approverTeamId };
  return { kind: row.approvers };
}

/** A team named as approvers was deleted while the policy was being saved. */
export const approverTeamGone = () =>
  new AppError('NOT_FOUND', 'The team named in approvers no longer exists', {
    fields: [{ path: 'approvers.teamId', message: 'this team no longer exists' }],
  });

export const toPolicy = (row: PolicyRow, gatewayIds: string[] | null): Policy => ({
  id: row.id,
  name: row.name,
  description: row.description,
  gatewayIds: row.allGateways ? null : (gatewayIds ?? []),
  priority: row.priority,
  enabled: row.enabled,
  condition: row.condition,
  action: row.action,
  message: row.message,
  approvers: policyApprovers(row),
  createdBy: row.createdBy,
  createdAt: toIso(row.createdAt),
  updatedAt: toIso(row.updatedAt),
});

/** The proxy's order (comparePolicies reads the fields a view shares with a snapshot policy). */
const orderKey = ({ id, name, priority, action, condition, message }: Policy): SnapshotPolicy => ({
  id,
  name,
  priority,
  action,
  condition,
  message,
});
const byEvaluationOrder = (a: Policy, b: Policy) => comparePolicies(orderKey(a), orderKey(b));

/** Policies with their gateways, in evaluation order, in one more query whatever their number. */
export async function loadPolicyViews(db: Database, tenantId: string, rows: PolicyRow[]): Promise<Policy[]> {
  const scoped = rows.filter((r) => !r.allGateways).map((r) => r.id);
  const gatewayIds = await policyGatewayIds(db, tenantId, scoped);
  return rows.map((row) => toPolicy(row, gatewayIds.get(row.id) ?? [])).sort(byEvaluationOrder);
}
