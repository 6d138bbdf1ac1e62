import type { Database } from '@toolgate/db/client';
import { approvalRequests, type ApprovalStatus } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { UUID_PATTERN } from '../../schemas/common.ts';

export interface GetApprovalStatusOptions {
  db: Database;
  tenantId: string;
  id: string;
  now?: Date;
}

export interface ApprovalStatusAnswer {
  status: ApprovalStatus;
  /** The decider's note ('' without one). */
  note: string;
  /** Approved: the same call retried passes once before this. */
  approvedUntil: Date | null;
}

/**
 * Where a request stands, for the proxy holding its call: read once after subscribing to its
 * channel, to catch a decision made before it listened. A pending request past its expiry is
 * `expired`. Null for an unknown id (or another tenant's).
 */
export async function getApprovalStatus({
  db,
  tenantId,
  id,
  now = new Date(),
}: GetApprovalStatusOptions): Promise<ApprovalStatusAnswer | null> {
  if (!UUID_PATTERN.test(id)) return null;
  const [row] = await db
    .select({
      status: approvalRequests.status,
      note: approvalRequests.note,
      approvedUntil: approvalRequests.approvedUntil,
      expiresAt: approvalRequests.expiresAt,
    })
    .from(approvalRequests)
    .where(and(eq(approvalRequests.tenantId, tenantId), eq(approvalRequests.id, id)));
  if (!row) return null;
  // Read-only: the row itself is marked when the inbox is next read.
  const expired = row.status === 'pending' && row.expiresAt <= now;
  return { status: expired ? 'expired' : row.status, note: row.note, approvedUntil: row.approvedUntil };
}
