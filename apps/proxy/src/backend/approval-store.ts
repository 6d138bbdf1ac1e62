import { canonicalArgsHash } from '@toolgate/core/approval-hash';
import type { Database } from '@toolgate/db/client';
import type { ApprovalStore } from '../dispatch/approvals.ts';

/**
 * Approval requests in Postgres, through the control plane's services (loaded the first time a
 * call is held: approvals are rare, and the hot path never loads them).
 */
export function controlPlaneApprovals(db: Database): ApprovalStore {
  const services = () => import('@toolgate/api/services/approvals');
  return {
    async consume(call) {
      const { consumeApprovedCall } = await services();
      const used = await consumeApprovedCall({
        db,
        tenantId: call.tenantId,
        gatewayId: call.gatewayId,
        principalId: call.principalId,
        toolName: call.toolName,
        argsHash: canonicalArgsHash(call.args),
      });
      return used !== null;
    },
    async create(call, policy) {
      const { createApprovalRequest } = await services();
      const created = await createApprovalRequest({
        db,
        tenantId: call.tenantId,
        gatewayId: call.gatewayId,
        policy: {
          id: policy.id,
          name: policy.name,
          message: policy.message,
          approvers: policy.approvers ?? { kind: 'admins' },
        },
        toolName: call.toolName,
        args: call.args,
        principalId: call.principalId,
        callerUserId: call.callerUserId,
        callerLabel: call.callerLabel,
        agent: call.agent,
      });
      return { id: created.id };
    },
    async status(tenantId, id) {
      const { getApprovalStatus } = await services();
      const answer = await getApprovalStatus({ db, tenantId, id });
      return answer ? { status: answer.status, note: answer.note || null } : undefined;
    },
  };
}
