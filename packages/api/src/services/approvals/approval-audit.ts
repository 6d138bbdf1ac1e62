import type { Executor } from '@toolgate/db/config-outbox';
import type { Actor } from '../../actor.ts';
import type { ApprovalRow } from '../../views/approval.ts';
import { insertActorAuditRow } from '../audit-row.ts';
import { redactedJson } from './stored-json.ts';

export const APPROVAL_DECIDE_METHOD = 'approval/decide';

/**
 * Records a decision in the audit log, in the transaction that saves it: who decided (the
 * principal), on which gateway and tool, and `{ decision, note, tool, approvalId }`. Never the
 * call's arguments. Written straight into `audit_events` like connection events: it is not a call
 * through a gateway, so it must not count in usage rollups.
 */
export async function recordApprovalDecision(
  db: Executor,
  {
    actor,
    request,
    decision,
    note,
    at,
  }: { actor: Actor; request: ApprovalRow; decision: 'approve' | 'deny'; note: string; at: Date },
): Promise<void> {
  await insertActorAuditRow(db, actor, {
    tenantId: request.tenantId,
    occurredAt: at,
    gatewayId: request.gatewayId,
    method: APPROVAL_DECIDE_METHOD,
    toolName: request.toolName,
    status: 'ok',
    response: redactedJson({ decision, note, tool: request.toolName, approvalId: request.id }, 4_096),
  });
}
