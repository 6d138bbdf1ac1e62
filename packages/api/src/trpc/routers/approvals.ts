import { z } from 'zod';
import {
  ZApprovalWebhook,
  ZApprovalWebhookChange,
  ZSetApprovalWebhookRequest,
} from '../../schemas/approval-webhook.ts';
import { ZApproval, ZDecideApprovalRequest, ZListApprovalsQuery } from '../../schemas/approvals.ts';
import { ZId } from '../../schemas/common.ts';
import { decideApproval } from '../../services/approvals/decide-approval.ts';
import { getApproval } from '../../services/approvals/get-approval.ts';
import {
  deleteApprovalWebhook,
  getApprovalWebhook,
  rotateApprovalWebhookSecret,
  setApprovalWebhook,
} from '../../services/approvals/approval-webhook-settings.ts';
import { countPendingApprovals, listApprovals } from '../../services/approvals/list-approvals.ts';
import { protectedProcedure, router } from '../init.ts';

/*
 * The Approvals inbox, as the REST API offers it. Thin adapters: the services decide who sees
 * what (owners and admins: every request; a team's maintainers: their team's; members: their own
 * calls) and who decides.
 */
export const approvalsRouter = router({
  /** Newest first; `status: 'pending'` for the inbox. */
  list: protectedProcedure
    .input(ZListApprovalsQuery.partial().optional())
    .output(z.array(ZApproval))
    .query(({ ctx, input }) => listApprovals({ ...ctx.scope, status: input?.status, limit: input?.limit })),
  get: protectedProcedure
    .input(z.object({ id: ZId }))
    .output(ZApproval)
    .query(({ ctx, input }) => getApproval({ ...ctx.scope, id: input.id })),
  /** Pending requests waiting for the caller's decision (the navigation badge). */
  pendingCount: protectedProcedure
    .output(z.number().int())
    .query(({ ctx }) => countPendingApprovals(ctx.scope)),
  decide: protectedProcedure
    .input(ZDecideApprovalRequest.extend({ id: ZId }))
    .output(ZApproval)
    .mutation(({ ctx, input: { id, ...decision } }) =>
      decideApproval({ ...ctx.scope, bus: ctx.deps.bus, log: ctx.deps.log, id, ...decision }),
    ),
  /** The workspace's approval webhook (its URL for owners and admins only; never the secret). */
  webhook: protectedProcedure.output(ZApprovalWebhook).query(({ ctx }) => getApprovalWebhook(ctx.scope)),
  /** `{ url }`; the first time, answers the new signing secret (shown once). */
  setWebhook: protectedProcedure
    .input(ZSetApprovalWebhookRequest)
    .output(ZApprovalWebhookChange)
    .mutation(({ ctx, input }) =>
      setApprovalWebhook({
        ...ctx.scope,
        secretKeys: ctx.deps.secretKeys,
        allowPrivate: ctx.deps.allowPrivateUpstreams ?? false,
        input,
      }),
    ),
  rotateWebhookSecret: protectedProcedure
    .output(ZApprovalWebhookChange)
    .mutation(({ ctx }) => rotateApprovalWebhookSecret({ ...ctx.scope, secretKeys: ctx.deps.secretKeys })),
  removeWebhook: protectedProcedure.output(ZApprovalWebhook).mutation(async ({ ctx }) => {
    await deleteApprovalWebhook(ctx.scope);
    return getApprovalWebhook(ctx.scope);
  }),
});
