import {
  ZApprovalWebhook,
  ZApprovalWebhookChange,
  ZSetApprovalWebhookRequest,
} from '../schemas/approval-webhook.ts';
import {
  ZApproval,
  ZApprovalList,
  ZDecideApprovalRequest,
  ZListApprovalsQuery,
} from '../schemas/approvals.ts';
import {
  deleteApprovalWebhook,
  getApprovalWebhook,
  rotateApprovalWebhookSecret,
  setApprovalWebhook,
} from '../services/approvals/approval-webhook-settings.ts';
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
  route({
    method: 'GET',
    path: '/settings/approval-webhook',
    operationId: 'getApprovalWebhook',
    summary:
      'Whether new and decided approval requests are POSTed to a webhook; owners and admins also get its URL and when its signing secret was made (never the secret)',
    tag: 'Approvals',
    status: 200,
    response: ZApprovalWebhook,
    errors: [],
    handle: (ctx) => getApprovalWebhook(scope(ctx)),
  }),
  route({
    method: 'PUT',
    path: '/settings/approval-webhook',
    operationId: 'setApprovalWebhook',
    summary:
      'Set the approval webhook’s URL (owners and admins; https, not into a private network). The first time, `secret` is its new signing secret, shown this once; changing the URL keeps the secret. Audited',
    tag: 'Approvals',
    body: ZSetApprovalWebhookRequest,
    status: 200,
    response: ZApprovalWebhookChange,
    errors: [400, 413, 422, 503],
    handle: (ctx, input) =>
      setApprovalWebhook({
        ...scope(ctx),
        secretKeys: ctx.deps.secretKeys,
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
        input,
      }),
  }),
  route({
    method: 'POST',
    path: '/settings/approval-webhook/rotate-secret',
    operationId: 'rotateApprovalWebhookSecret',
    summary:
      'Make a new signing secret (owners and admins), answered once as `secret`; for 24 hours requests are signed with the previous one too. Audited',
    tag: 'Approvals',
    status: 200,
    response: ZApprovalWebhookChange,
    errors: [404, 503],
    handle: (ctx) => rotateApprovalWebhookSecret({ ...scope(ctx), secretKeys: ctx.deps.secretKeys }),
  }),
  route({
    method: 'DELETE',
    path: '/settings/approval-webhook',
    operationId: 'deleteApprovalWebhook',
    summary: 'Remove the approval webhook and its secrets (owners and admins); nothing more is sent. Audited',
    tag: 'Approvals',
    status: 204,
    errors: [],
    handle: async (ctx) => {
      await deleteApprovalWebhook(scope(ctx));
    },
  }),
];
