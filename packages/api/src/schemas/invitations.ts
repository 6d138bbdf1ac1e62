import { z } from 'zod';
import { ZEmailAddress, ZLinkToken, ZNewPassword, ZPersonName } from './accounts.ts';
import { ZId, ZTimestamp } from './common.ts';
import { ZMemberRole } from './members.ts';

export const ZCreateInvitationRequest = z.strictObject({
  email: ZEmailAddress,
  role: ZMemberRole.default('member'),
});
export type CreateInvitationRequest = z.input<typeof ZCreateInvitationRequest>;

export const ZInvitationId = z.strictObject({ invitationId: ZId });

/** A pending invitation as admins see it; never its token. */
export const ZInvitation = z.object({
  id: ZId,
  email: z.string(),
  role: ZMemberRole,
  invitedBy: z.object({ id: ZId, name: z.string().nullable(), email: z.string() }).nullable(),
  createdAt: ZTimestamp,
  expiresAt: ZTimestamp,
  expired: z.boolean(),
});
export type Invitation = z.infer<typeof ZInvitation>;

/** The link is in this answer only (the database keeps its hash): the UI shows it once. */
export const ZIssuedInvitation = ZInvitation.extend({
  link: z.string(),
  /** False when no SMTP is configured (the link was logged) or the relay refused the message. */
  emailed: z.boolean(),
});
export type IssuedInvitation = z.infer<typeof ZIssuedInvitation>;

/** What the invitation page shows to whoever holds the link. */
export const ZInvitationPreview = z.object({
  tenantName: z.string(),
  tenantSlug: z.string(),
  email: z.string(),
  role: ZMemberRole,
  inviterName: z.string().nullable(),
  expiresAt: ZTimestamp,
  /** Whether an account with the invited address exists (sign in) or not (create one). */
  accountExists: z.boolean(),
});
export type InvitationPreview = z.infer<typeof ZInvitationPreview>;

export const ZSignUpWithInvitationRequest = z.strictObject({
  token: ZLinkToken,
  name: ZPersonName,
  password: ZNewPassword,
});
export type SignUpWithInvitationRequest = z.input<typeof ZSignUpWithInvitationRequest>;
