import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Logger } from '@toolgate/core/logger';
import type { Database } from '@toolgate/db/client';
import { approvalRequests, users } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../../actor.ts';
import {
  ZDecideApprovalRequest,
  type Approval,
  type ApprovalDecisionMessage,
  type DecideApprovalRequest,
} from '../../schemas/approvals.ts';
import { parseInput } from '../../validation.ts';
import { approvalNotFound, selectApprovalRows, toApproval, type ApprovalRow } from '../../views/approval.ts';
import {
  APPROVAL_WINDOW_MS,
  approvalChannel,
  canDecideNow,
  maintainedTeamIds,
  mayDecide,
  visibleTo,
} from './approval-access.ts';
import { recordApprovalAnnouncements } from './approval-announcements.ts';
import { recordApprovalDecision } from './approval-audit.ts';

export interface DecideApprovalOptions extends DecideApprovalRequest {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  id: string;
  now?: Date;
  /** Where a decision that could not be announced to the proxies is reported. */
  log?: Logger;
}

const PAST_TENSE = { approved: 'approved', denied: 'denied', used: 'approved (and the call has run)' };

const fmt = (d: Date) =>
  d
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace('T', ' ');

type Outcome =
  | { kind: 'decided'; row: ApprovalRow }
  | { kind: 'expired'; row: ApprovalRow }
  | { kind: 'decided-before'; row: ApprovalRow; by: string | null };

/**
 * Approves or denies a pending request (its approvers only: owners and admins, and for a team's
 * request that team's maintainers). A request already decided, or expired, is a CONFLICT saying
 * so. An approval lets the same call through once within 15 minutes. The decision is audited in
 * the same transaction, and recorded there for the workspace's approval webhook; then it is
 * announced on `approval:<id>` so the proxy holding the call, on whichever replica, answers it at
 * once.
 */
export async function decideApproval({
  db,
  bus,
  tenantId,
  actor,
  id,
  now = new Date(),
  log,
  ...input
}: DecideApprovalOptions): Promise<Approval> {
  const { decision, note } = parseInput(ZDecideApprovalRequest, {
    decision: input.decision,
    note: input.note,
  });
  const maintained = await maintainedTeamIds(db, tenantId, actor);

  const outcome = await db.transaction(async (tx): Promise<Outcome> => {
    const [row] = await tx
      .select()
      .from(approvalRequests)
      .where(
        and(
          eq(approvalRequests.tenantId, tenantId),
          eq(approvalRequests.id, id),
          visibleTo(actor, maintained),
        ),
      )
      .for('update');
    if (!row) throw approvalNotFound();
    if (!mayDecide(row, actor, maintained))
      throw new AppError(
        'FORBIDDEN',
        row.approvers === 'team'
          ? "Only owners, admins and the approving team's maintainers may decide this request"
          : 'Only owners and admins may decide this request',
      );
    if (row.status === 'pending' && row.expiresAt <= now) {
      const [expired] = await tx
        .update(approvalRequests)
        .set({ status: 'expired' })
        .where(eq(approvalRequests.id, row.id))
        .returning();
      return { kind: 'expired', row: expired! };
    }
    if (row.status !== 'pending') {
      const [decider] = row.decidedBy
        ? await tx
            .select({ name: users.name, email: users.email })
            .from(users)
            .where(eq(users.id, row.decidedBy))
        : [];
      return { kind: 'decided-before', row, by: decider ? (decider.name ?? decider.email) : null };
    }
    const [decided] = await tx
      .update(approvalRequests)
      .set({
        status: decision === 'approve' ? 'approved' : 'denied',
        note,
        decidedBy: actor.userId,
        decidedAt: now,
        approvedUntil: decision === 'approve' ? new Date(now.getTime() + APPROVAL_WINDOW_MS) : null,
      })
      .where(eq(approvalRequests.id, row.id))
      .returning();
    await recordApprovalDecision(tx, { actor, request: decided!, decision, note, at: now });
    await recordApprovalAnnouncements(tx, { tenantId, approvalId: row.id, event: 'decided' });
    return { kind: 'decided', row: decided! };
  });

  if (outcome.kind === 'expired')
    throw new AppError(
      'CONFLICT',
      `This request expired at ${fmt(outcome.row.expiresAt)} without a decision; the caller must make the call again`,
      { reason: 'expired', status: 'expired' },
    );
  if (outcome.kind === 'decided-before') {
    const { row, by } = outcome;
    const what = row.status === 'expired' ? 'expired' : PAST_TENSE[row.status as keyof typeof PAST_TENSE];
    const who = by && row.status !== 'expired' ? ` by ${by}` : '';
    const when = row.decidedAt ? ` at ${fmt(row.decidedAt)}` : '';
    throw new AppError(
      'CONFLICT',
      `This request was already ${what}${who}${when}; it cannot be decided again`,
      {
        reason: 'decided',
        status: row.status,
      },
    );
  }

  const message: ApprovalDecisionMessage = {
    id: outcome.row.id,
    status: outcome.row.status as ApprovalDecisionMessage['status'],
    note: outcome.row.note,
  };
  // After the commit: a proxy woken by the message reads the decision as stored. A lost message
  // costs the held call its wait (it times out, and the retried call passes), not the decision.
  await bus.sessions.publish(approvalChannel(outcome.row.id), message).catch((err: unknown) => {
    log?.warn({ approvalId: outcome.row.id, err: (err as Error).message }, 'approval decision not announced');
  });

  const [view] = await selectApprovalRows(db, tenantId, eq(approvalRequests.id, outcome.row.id), 1);
  return toApproval(view!, canDecideNow(view!.request, actor, maintained, now));
}
