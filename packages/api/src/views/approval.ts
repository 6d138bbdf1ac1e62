import { AppError } from '@toolgate/core/errors';
import type { Executor } from '@toolgate/db/config-outbox';
import { approvalRequests, gateways, teams, users } from '@toolgate/db/schema';
import { and, desc, eq, type SQL } from 'drizzle-orm';
import { toIso, toIsoOrNull } from '../schemas/common.ts';
import type { Approval } from '../schemas/approvals.ts';

export type ApprovalRow = typeof approvalRequests.$inferSelect;

export const approvalNotFound = () => new AppError('NOT_FOUND', 'Approval request not found');

/** A request with what people read next to it: its gateway, the approving team, who decided. */
export interface ApprovalViewRow {
  request: ApprovalRow;
  gateway: { id: string; slug: string; name: string };
  teamName: string | null;
  decider: { id: string; name: string | null; email: string } | null;
}

/** The tenant's requests matching `where`, newest first, with their gateway, team and decider. */
export async function selectApprovalRows(
  db: Executor,
  tenantId: string,
  where: SQL | undefined,
  limit: number,
): Promise<ApprovalViewRow[]> {
  return db
    .select({
      request: approvalRequests,
      gateway: { id: gateways.id, slug: gateways.slug, name: gateways.name },
      teamName: teams.name,
      decider: { id: users.id, name: users.name, email: users.email },
    })
    .from(approvalRequests)
    .innerJoin(gateways, eq(gateways.id, approvalRequests.gatewayId))
    .leftJoin(teams, eq(teams.id, approvalRequests.approverTeamId))
    .leftJoin(users, eq(users.id, approvalRequests.decidedBy))
    .where(and(eq(approvalRequests.tenantId, tenantId), where))
    .orderBy(desc(approvalRequests.createdAt), desc(approvalRequests.id))
    .limit(limit);
}

export function toApproval(row: ApprovalViewRow, canDecide: boolean): Approval {
  const r = row.request;
  return {
    id: r.id,
    status: r.status,
    tool: r.toolName,
    args: r.args,
    gateway: row.gateway,
    policy: { id: r.policyId, name: r.policyName, message: r.policyMessage },
    caller: { principalId: r.principalId, label: r.callerLabel, userId: r.callerUserId },
    agent: r.agent,
    approvers: { kind: r.approvers, teamId: r.approverTeamId, teamName: row.teamName },
    note: r.note,
    decidedBy: row.decider
      ? { userId: row.decider.id, name: row.decider.name, email: row.decider.email }
      : null,
    decidedAt: toIsoOrNull(r.decidedAt),
    createdAt: toIso(r.createdAt),
    expiresAt: toIso(r.expiresAt),
    approvedUntil: toIsoOrNull(r.approvedUntil),
    usedAt: toIsoOrNull(r.usedAt),
    canDecide,
  };
}
