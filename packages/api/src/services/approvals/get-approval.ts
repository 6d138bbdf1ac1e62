import type { Database } from '@toolgate/db/client';
import { approvalRequests } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../../actor.ts';
import type { Approval } from '../../schemas/approvals.ts';
import { approvalNotFound, selectApprovalRows, toApproval } from '../../views/approval.ts';
import { canDecideNow, expirePending, maintainedTeamIds, visibleTo } from './approval-access.ts';

export interface GetApprovalOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  id: string;
  now?: Date;
}

/** One approval request the caller may see (see listApprovals); anything else is NOT_FOUND. */
export async function getApproval({
  db,
  tenantId,
  actor,
  id,
  now = new Date(),
}: GetApprovalOptions): Promise<Approval> {
  const maintained = await maintainedTeamIds(db, tenantId, actor);
  await expirePending(db, tenantId, now, eq(approvalRequests.id, id));
  const [row] = await selectApprovalRows(
    db,
    tenantId,
    and(eq(approvalRequests.id, id), visibleTo(actor, maintained)),
    1,
  );
  if (!row) throw approvalNotFound();
  return toApproval(row, canDecideNow(row.request, actor, maintained, now));
}
