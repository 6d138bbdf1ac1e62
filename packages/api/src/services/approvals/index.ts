/**
 * Approvals of held tool calls: the proxy stores and consumes requests (createApprovalRequest,
 * consumeApprovedCall, getApprovalStatus, and listens on approvalChannel(id)); people list and
 * decide them (listApprovals, getApproval, decideApproval, countPendingApprovals). New and decided
 * requests are announced by email and the workspace's approval webhook from a worker
 * (deliverDueApprovalAnnouncements), whose settings owners and admins change.
 */
export { APPROVAL_PENDING_MS, APPROVAL_WINDOW_MS, approvalChannel } from './approval-access.ts';
export { APPROVAL_DECIDE_METHOD } from './approval-audit.ts';
export type { ApprovalMailOptions } from './approval-mail.ts';
export { countPendingAnnouncements } from './approval-announcements.ts';
export {
  APPROVAL_WEBHOOK_METHOD,
  approvalWebhookSecretAad,
  deleteApprovalWebhook,
  getApprovalWebhook,
  rotateApprovalWebhookSecret,
  setApprovalWebhook,
  type SetApprovalWebhookOptions,
} from './approval-webhook-settings.ts';
export {
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  deliverDueApprovalAnnouncements,
  type AnnouncementBatchResult,
  type ApprovalAnnouncerOptions,
} from './deliver-approval-announcements.ts';
export { consumeApprovedCall, type ConsumeApprovedCallOptions } from './consume-approved-call.ts';
export {
  createApprovalRequest,
  type CreateApprovalRequestOptions,
  type CreatedApprovalRequest,
} from './create-approval-request.ts';
export { decideApproval, type DecideApprovalOptions } from './decide-approval.ts';
export { getApproval, type GetApprovalOptions } from './get-approval.ts';
export {
  getApprovalStatus,
  type ApprovalStatusAnswer,
  type GetApprovalStatusOptions,
} from './get-approval-status.ts';
export {
  countPendingApprovals,
  listApprovals,
  type CountPendingApprovalsOptions,
  type ListApprovalsOptions,
} from './list-approvals.ts';
export {
  ZApprovalDecisionMessage,
  type Approval,
  type ApprovalDecisionMessage,
} from '../../schemas/approvals.ts';
