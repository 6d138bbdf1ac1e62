import type { PendingConfigChange } from '@toolgate/core/config-change';
import { AppError } from '@toolgate/core/errors';
import { checkPolicyCondition } from '@toolgate/core/policy';
import type { Executor } from '@toolgate/db/config-outbox';
import { gateways } from '@toolgate/db/schema';
import { and, eq, inArray } from 'drizzle-orm';
import { recordGatewayChange } from '../invalidation.ts';
import type { ConditionProblem } from '../schemas/policies.ts';

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
