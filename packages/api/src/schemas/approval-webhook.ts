import { z } from 'zod';
import { ZId, ZTimestamp } from './common.ts';

/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_CHARS = 2_048;

/**
 * The workspace's approval webhook as answered. The signing secret never is (only once, when
 * made); members learn whether there is a webhook, not where it points.
 */
export const ZApprovalWebhook = z.object({
  configured: z.boolean(),
  /** null for members, and when there is none. */
  url: z.string().nullable(),
  /** When the current signing secret was made (null for members, and when there is none). */
  secretCreatedAt: ZTimestamp.nullable(),
  /** After a rotation: until then, requests are also signed with the previous secret. */
  previousSecretExpiresAt: ZTimestamp.nullable(),
});
export type ApprovalWebhook = z.infer<typeof ZApprovalWebhook>;

/** `PUT /settings/approval-webhook`: the URL requests are POSTed to. */
export const ZSetApprovalWebhookRequest = z.strictObject({
  url: z.string().trim().min(1, 'enter the endpoint’s URL').max(MAX_WEBHOOK_URL_CHARS),
});
export type SetApprovalWebhookRequest = z.input<typeof ZSetApprovalWebhookRequest>;

/**
 * The webhook after a change; `secret` is the signing secret when one was just made (the webhook
 * created, or its secret rotated): shown this once, never again.
 */
export const ZApprovalWebhookChange = z.object({
  webhook: ZApprovalWebhook,
  secret: z.string().nullable(),
});
export type ApprovalWebhookChange = z.infer<typeof ZApprovalWebhookChange>;

const ZPrincipalRef = z.object({ userId: ZId, name: z.string().nullable(), email: z.string() });

/**
 * What the webhook is sent (JSON, signed in `toolgate-signature`). Deliveries are retried, so a
 * receiver may get one twice: `approval.id` with `type` identifies it.
 */
export const ZApprovalWebhookEvent = z.object({
  type: z.enum(['approval.requested', 'approval.decided']),
  approval: z.object({
    id: ZId,
    /** The tool's name as the caller saw it (the gateway's exposed name). */
    tool: z.string(),
    /** The server the tool belongs to; null when the gateway no longer serves it. */
    server: z.object({ id: ZId, slug: z.string(), name: z.string() }).nullable(),
    gateway: z.object({ id: ZId, slug: z.string(), name: z.string() }),
    caller: z.object({ principalId: z.string(), label: z.string(), userId: ZId.nullable() }),
    agent: z.string(),
    policy: z.object({ name: z.string(), message: z.string() }),
    /** Redacted and size-capped, as the Approvals inbox shows them. */
    arguments: z.unknown(),
    waitingSince: ZTimestamp,
    expiresAt: ZTimestamp,
    /** The request in the Approvals inbox. */
    url: z.string(),
    /** `approval.decided` only. */
    decision: z
      .object({
        status: z.enum(['approved', 'denied']),
        by: ZPrincipalRef.nullable(),
        note: z.string(),
        decidedAt: ZTimestamp,
      })
      .optional(),
  }),
  tenant: z.object({ id: ZId, slug: z.string() }),
});
export type ApprovalWebhookEvent = z.infer<typeof ZApprovalWebhookEvent>;
