import type { Database } from '@toolgate/db/client';
import { approvalRequests } from '@toolgate/db/schema';
import { and, count, eq } from 'drizzle-orm';
import type { Actor } from '../../actor.ts';
import { ZListApprovalsQuery, type Approval, type ListApprovalsQuery } from '../../schemas/approvals.ts';
import { parseInput } from '../../validation.ts';
import { selectApprovalRows, toApproval } from '../../views/approval.ts';
import {
  canDecideNow,
  decidablePending,
  expirePending,
  maintainedTeamIds,
  visibleTo,
} from './approval-access.ts';

export interface ListApprovalsOptions extends ListApprovalsQuery {
  db: Database;
  tenantId: string;
  actor: Actor;
  now?: Date;
}

/**
 * Approval requests newest first (`status` narrows them; default every status, at most `limit`,
 * default 100). Owners and admins see every request; a team's maintainers the requests their team
 * approves; everyone the requests about their own calls. Each says whether the caller may decide it.
 */
export async function listApprovals({
  db,
  tenantId,
  actor,
  now = new Date(),
  ...query
}: ListApprovalsOptions): Promise<Approval[]> {
  const { status, limit } = parseInput(ZListApprovalsQuery, { status: query.status, limit: query.limit });
  const maintained = await maintainedTeamIds(db, tenantId, actor);
  await expirePending(db, tenantId, now);
  const rows = await selectApprovalRows(
    db,
    tenantId,
    and(visibleTo(actor, maintained), status === 'all' ? undefined : eq(approvalRequests.status, status)),
    limit,
  );
  return rows.map((row) => toApproval(row, canDecideNow(row.request, actor, maintained, now)));
}

export interface CountPendingApprovalsOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  now?: Date;
}

/** How many pending requests wait for the caller's decision (the Approvals badge). */
export async function countPendingApprovals({
  db,
  tenantId,
  actor,
  now = new Date(),
}: CountPendingApprovalsOptions): Promise<number> {
  const maintained = await maintainedTeamIds(db, tenantId, actor);
  await expirePending(db, tenantId, now);
  const [row] = await db
    .select({ n: count() })
    .from(approvalRequests)
    .where(and(eq(approvalRequests.tenantId, tenantId), decidablePending(actor, maintained)));
  return row?.n ?? 0;
}
