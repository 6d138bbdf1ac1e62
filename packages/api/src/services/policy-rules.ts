import type { PendingConfigChange } from '@toolgate/core/config-change';
import { AppError } from '@toolgate/core/errors';
import { checkPolicyCondition, type PolicyAction } from '@toolgate/core/policy';
import type { Executor } from '@toolgate/db/config-outbox';
import { gateways, teams, type ApproverKind } from '@toolgate/db/schema';
import { and, eq, inArray } from 'drizzle-orm';
import { recordGatewayChange } from '../invalidation.ts';
import type { ConditionProblem, PolicyApproversInput } from '../schemas/policies.ts';

/**
 * A condition that does not type-check is INVALID on the field `condition`, its message starting
 * with the position ("line 1, column 6: No such key: nam"); `details.condition` carries the
 * message, offset, line and column so an editor can place a marker.
 */
export function requireValidCondition(condition: string): void {
  const check = checkPolicyCondition(condition);
  if (check.ok) return;
  const problem: ConditionProblem = {
    message: check.message,
    offset: check.offset,
    line: check.line,
    column: check.column,
  };
  const message = `line ${check.line}, column ${check.column}: ${check.message}`;
  throw new AppError('INVALID', `condition: ${message}`, {
    fields: [{ path: 'condition', message }],
    condition: problem,
  });
}

/** Where a policy applies, as stored: every gateway, or the listed ones. */
export interface PolicyPlace {
  allGateways: boolean;
  gatewayIds: readonly string[];
}

/**
 * Records that the gateways a policy applied to before or applies to after a write are stale
 * (every gateway of the tenant when either place is the whole tenant). Disabled policies are in
 * no snapshot: a place whose policy was and stays disabled is left out by the caller.
 */
export async function recordPolicyChange(
  tx: Executor,
  tenantId: string,
  places: readonly PolicyPlace[],
  reason: string,
): Promise<PendingConfigChange[]> {
  if (places.length === 0) return [];
  const everywhere = places.some((p) => p.allGateways);
  const named = [...new Set(places.flatMap((p) => p.gatewayIds))];
  if (!everywhere && named.length === 0) return [];
  const stale = await tx
    .select({ id: gateways.id, slug: gateways.slug })
    .from(gateways)
    .where(
      everywhere
        ? eq(gateways.tenantId, tenantId)
        : and(eq(gateways.tenantId, tenantId), inArray(gateways.id, named)),
    );
  return recordGatewayChange(tx, tenantId, stale, reason);
}

/** The approver columns of a policy row. */
export interface ApproverColumns {
  approvers: ApproverKind;
  approverTeamId: string | null;
}

/** What a policy that holds nothing stores (and a `require_approval` one given no approvers). */
export const DEFAULT_APPROVERS: ApproverColumns = { approvers: 'caller', approverTeamId: null };

/**
 * Approvers are for `require_approval` policies only: given with another action they are INVALID
 * on the field `approvers`; a team must be the workspace's (another's is NOT_FOUND on
 * `approvers.teamId`). Returns the columns to store.
 */
export async function requireValidApprovers(
  db: Executor,
  tenantId: string,
  action: PolicyAction,
  approvers: PolicyApproversInput,
): Promise<ApproverColumns> {
  if (action !== 'require_approval') {
    const message = `only require_approval policies name approvers (this one's action is ${action})`;
    throw new AppError('INVALID', `approvers: ${message}`, { fields: [{ path: 'approvers', message }] });
  }
  if (approvers.kind !== 'team') return { approvers: approvers.kind, approverTeamId: null };
  const [team] = await db
    .select({ id: teams.id })
    .from(teams)
    .where(and(eq(teams.tenantId, tenantId), eq(teams.id, approvers.teamId)));
  if (!team) {
    const message = 'is not a team of this workspace';
    throw new AppError('NOT_FOUND', `Team ${approvers.teamId} not found`, {
      fields: [{ path: 'approvers.teamId', message }],
    });
  }
  return { approvers: 'team', approverTeamId: team.id };
}

/** A foreign-key failure on the approver team (deleted meanwhile), as opposed to a gateway. */
export function isApproverTeamViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 3; depth++) {
    const constraint = (e as { constraint?: unknown }).constraint;
    if (typeof constraint === 'string') return constraint.includes('approver_team_id');
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
