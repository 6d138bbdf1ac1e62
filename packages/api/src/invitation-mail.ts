import type { MemberRole } from '@toolgate/db/schema';
import { publicLink } from './link-token.ts';
import type { Mailer } from './mail/mailer.ts';
import { invitationMail } from './mail/messages.ts';

export const INVITATION_VALID_DAYS = 7;

/**
 * Sends an invitation and returns its link either way: when mail is not configured, or the
 * relay refuses (the SMTP mailer logs why), the admin passes the link on by hand.
 */
export async function sendInvitationMail(
  mailer: Mailer,
  invitation: {
    publicWebUrl: string;
    token: string;
    email: string;
    role: MemberRole;
    tenantName: string;
    inviterName: string | null;
    expiresAt: Date;
  },
): Promise<{ link: string; emailed: boolean }> {
  const link = publicLink(invitation.publicWebUrl, `/invite/${invitation.token}`);
  try {
    await mailer.send(
      invitationMail({
        to: invitation.email,
        link,
        tenantName: invitation.tenantName,
        inviterName: invitation.inviterName,
        role: invitation.role,
        expiresAt: invitation.expiresAt,
      }),
    );
    return { link, emailed: mailer.delivers };
  } catch {
    return { link, emailed: false };
  }
}
