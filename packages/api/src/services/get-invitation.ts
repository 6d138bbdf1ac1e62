import type { Database } from '@toolgate/db/client';
import { findUserByEmail } from '@toolgate/db/tenancy';
import { findInvitationByToken, invitationProblem } from '../invitation-token.ts';
import type { LinkProblem } from '../schemas/accounts.ts';
import type { InvitationPreview } from '../schemas/invitations.ts';
import { toIso } from '../schemas/common.ts';

export type InvitationLookup =
  | { ok: true; invitation: InvitationPreview }
  /** `tenantName` is known for expired and used links (not for unknown or revoked ones). */
  | { ok: false; problem: LinkProblem; tenantName: string | null };

/**
 * What the invitation page shows to whoever holds the link: the workspace, the invited address
 * and role, and whether that address already has an account (sign in) or not (sign up).
 */
export async function getInvitation({
  db,
  token,
}: {
  db: Database;
  token: unknown;
}): Promise<InvitationLookup> {
  const invitation = await findInvitationByToken(db, token);
  const problem = invitationProblem(invitation);
  if (problem || !invitation) {
    return { ok: false, problem: problem ?? 'invalid', tenantName: invitation?.tenantName ?? null };
  }
  const account = await findUserByEmail(db, invitation.email);
  return {
    ok: true,
    invitation: {
      tenantName: invitation.tenantName,
      tenantSlug: invitation.tenantSlug,
      email: invitation.email,
      role: invitation.role,
      inviterName: invitation.inviterName,
      expiresAt: toIso(invitation.expiresAt),
      accountExists: account !== null,
    },
  };
}
