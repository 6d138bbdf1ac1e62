import {
  ZApproval,
  ZApprovalList,
  ZDecideApprovalRequest,
  ZListApprovalsQuery,
} from '../schemas/approvals.ts';
import { decideApproval } from '../services/approvals/decide-approval.ts';
import { getApproval } from '../services/approvals/get-approval.ts';
import { listApprovals } from '../services/approvals/list-approvals.ts';
import { route, scope, type Route } from './route.ts';

/**
 * Tool calls held by `require_approval` policies for the workspace's admins or a team's
 * maintainers (`/approvals…`). The services decide who sees and decides what.
 */
export const APPROVAL_ROUTES: readonly Route[] = [
  route({
    method: 'GET',
    path: '/approvals',
    operationId: 'listApprovals',
    summary:
      'List approval requests, newest first (`status=pending` for the inbox): owners and admins see all, a team’s maintainers their team’s, members those about their own calls; `canDecide` says which the caller may decide',
    tag: 'Approvals',
    query: ZListApprovalsQuery,
    status: 200,
    response: ZApprovalList,
    errors: [422],
    handle: async (ctx) => ({
      approvals: await listApprovals({ ...scope(ctx), status: ctx.query.status, limit: ctx.query.limit }),
    }),
  }),
  route({
    method: 'GET',
    path: '/approvals/{id}',
    operationId: 'getApproval',
    summary:
      'Get an approval request: the tool, its redacted arguments, the caller, the agent and the policy',
    tag: 'Approvals',
    status: 200,
    response: ZApproval,
    errors: [404],
    handle: (ctx) => getApproval({ ...scope(ctx), id: ctx.params.id! }),
  }),
  route({
    method: 'POST',
    path: '/approvals/{id}/decision',
    operationId: 'decideApproval',
    summary:
      'Approve or deny a pending request, with an optional note (its approvers only); approved, the same call retried within 15 minutes passes once. 409 once it is decided or expired',
    tag: 'Approvals',
    body: ZDecideApprovalRequest,
    status: 200,
    response: ZApproval,
    errors: [400, 404, 409, 413, 422],
    handle: (ctx, input) =>
      decideApproval({ ...scope(ctx), bus: ctx.deps.bus, log: ctx.deps.log, id: ctx.params.id!, ...input }),
  }),
];
