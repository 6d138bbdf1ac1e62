import { APPROVAL_STATUSES } from '@toolgate/db/schema';
import { z } from 'zod';
import { ZId, ZTimestamp } from './common.ts';

export { APPROVAL_STATUSES };

/** Most requests one list answers; the newest first. */
export const MAX_APPROVAL_PAGE_SIZE = 500;
export const MAX_APPROVAL_NOTE_CHARS = 1000;

export const ZApprovalStatus = z.enum(APPROVAL_STATUSES);

/** `GET /approvals`: `status=pending` for the inbox; `all` (the default) for every status. */
export const ZListApprovalsQuery = z.strictObject({
  status: z
    .enum([...APPROVAL_STATUSES, 'all'])
    .default('all')
    .meta({ description: '`pending` for the inbox; `all` (default) for every status' }),
  limit: z.coerce.number().int().min(1).max(MAX_APPROVAL_PAGE_SIZE).default(100),
});
export type ListApprovalsQuery = z.input<typeof ZListApprovalsQuery>;

export const ZDecideApprovalRequest = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  /** Shown to the caller's model with a denial, and kept with the decision. */
  note: z.string().trim().max(MAX_APPROVAL_NOTE_CHARS).default(''),
});
export type DecideApprovalRequest = z.input<typeof ZDecideApprovalRequest>;

export const ZApproval = z.object({
  id: ZId,
  /**
   * `pending` (waiting for a decision, at most 24 hours), `approved` (the same call retried passes
   * once until `approvedUntil`), `used` (it did), `denied`, `expired` (no decision in time).
   */
  status: ZApprovalStatus,
  /** The tool's name as the caller saw it (the gateway's exposed name). */
  tool: z.string(),
  /** The call's arguments with secrets redacted and long values cut. */
  args: z.unknown(),
  gateway: z.object({ id: ZId, slug: z.string(), name: z.string() }),
  /** The policy that held the call, as it read then; `id` null once the policy was deleted. */
  policy: z.object({ id: ZId.nullable(), name: z.string(), message: z.string() }),
  caller: z.object({
    /** `user:<id>`, `token:<id>`, … as the audit log names callers. */
    principalId: z.string(),
    /** An email address or a token's name. */
    label: z.string(),
    /** The member the call was made for (their own token included); null for org and team tokens. */
    userId: ZId.nullable(),
  }),
  /** The client the caller used (OAuth client or its declared name); '' when unknown. */
  agent: z.string(),
  approvers: z.object({
    kind: z.enum(['admins', 'team']),
    /** `team`: its maintainers decide, with the owners and admins; null once the team was deleted. */
    teamId: ZId.nullable(),
    teamName: z.string().nullable(),
  }),
  note: z.string(),
  decidedBy: z.object({ userId: ZId, name: z.string().nullable(), email: z.string() }).nullable(),
  decidedAt: ZTimestamp.nullable(),
  createdAt: ZTimestamp,
  expiresAt: ZTimestamp,
  approvedUntil: ZTimestamp.nullable(),
  usedAt: ZTimestamp.nullable(),
  /** Whether the caller of this API may approve or deny it now. */
  canDecide: z.boolean(),
});
export type Approval = z.infer<typeof ZApproval>;

export const ZApprovalList = z.object({ approvals: z.array(ZApproval) });

/** What `approval:<id>` on the session channel carries once a request is decided. */
export const ZApprovalDecisionMessage = z.object({
  id: ZId,
  status: z.enum(['approved', 'denied']),
  note: z.string(),
});
export type ApprovalDecisionMessage = z.infer<typeof ZApprovalDecisionMessage>;
