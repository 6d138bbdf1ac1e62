import { publicLink } from './link-token.ts';
import type { Mailer } from './mail/mailer.ts';
import { invitationMail } from './mail/messages.ts';
import type { IssuedInvitation } from './schemas/invitations.ts';
import { toInvitation, type InvitationRow } from './views/invitation.ts';

export const INVITATION_VALID_DAYS = 7;

/**
 * Sends a freshly issued invitation link and answers the invitation with it, either way: when
 * mail is not configured, or the relay refuses (the SMTP mailer logs why), the admin passes the
 * link on by hand.
 */
export async function sendInvitationMail(
  mailer: Mailer,
  {
    publicWebUrl,
    token,
    tenantName,
    row,
  }: {
    publicWebUrl: string;
    token: string;
    tenantName: string;
    row: InvitationRow;
  },
): Promise<IssuedInvitation> {
  const invitation = toInvitation(row);
  const link = publicLink(publicWebUrl, `/invite/${token}`);
  try {
    await mailer.send(
      invitationMail({
        to: invitation.email,
        link,
        tenantName,
        inviterName: invitation.invitedBy?.name ?? invitation.invitedBy?.email ?? null,
        role: invitation.role,
        expiresAt: row.expiresAt,
      }),
    );
    return { ...invitation, link, emailed: mailer.delivers };
  } catch {
    return { ...invitation, link, emailed: false };
  }
}
