import type { Database } from '@toolgate/db/client';
import { approvalRequests } from '@toolgate/db/schema';
import { and, asc, eq, gt, inArray } from 'drizzle-orm';

export interface ConsumeApprovedCallOptions {
  db: Database;
  tenantId: string;
  gatewayId: string;
  principalId: string;
  /** The exposed name, as the request stored it. */
  toolName: string;
  /** canonicalArgsHash of the call's raw arguments. */
  argsHash: string;
  now?: Date;
}

/**
 * Lets an approved call through once: the oldest request approved for exactly this call (gateway,
 * caller, tool, arguments) whose window is still open becomes `used`, atomically, and its id is
 * returned; null when there is none (never approved, denied, already used, window over). Two
 * replicas racing on one approval: one gets the id, the other null.
 */
export async function consumeApprovedCall({
  db,
  tenantId,
  gatewayId,
  principalId,
  toolName,
  argsHash,
  now = new Date(),
}: ConsumeApprovedCallOptions): Promise<string | null> {
  const approved = and(
    eq(approvalRequests.tenantId, tenantId),
    eq(approvalRequests.gatewayId, gatewayId),
    eq(approvalRequests.principalId, principalId),
    eq(approvalRequests.toolName, toolName),
    eq(approvalRequests.argsHash, argsHash),
    eq(approvalRequests.status, 'approved'),
    gt(approvalRequests.approvedUntil, now),
  );
  const oldest = db
    .select({ id: approvalRequests.id })
    .from(approvalRequests)
    .where(approved)
    .orderBy(asc(approvalRequests.decidedAt))
    .limit(1)
    .for('update', { skipLocked: true });
  const [used] = await db
    .update(approvalRequests)
    .set({ status: 'used', usedAt: now })
    .where(and(approved, inArray(approvalRequests.id, oldest)))
    .returning({ id: approvalRequests.id });
  return used?.id ?? null;
}
