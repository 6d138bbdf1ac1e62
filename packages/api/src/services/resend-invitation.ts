import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { invitations } from '@toolgate/db/schema';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { requireVerifiedEmail } from '../email-verification.ts';
import { INVITATION_VALID_DAYS, sendInvitationMail } from '../invitation-mail.ts';
import { newLinkToken } from '../link-token.ts';
import type { Mailer } from '../mail/mailer.ts';
import { canInviteAs } from '../member-permissions.ts';
import type { IssuedInvitation } from '../schemas/invitations.ts';
import { selectInvitationRow } from '../views/invitation.ts';
import { actorRoleNow, lockWorkspace } from '../workspace-lock.ts';
import { ONLY_OWNERS_INVITE_OWNERS } from './create-invitation.ts';

export interface ResendInvitationOptions {
  db: Database;
  mailer: Mailer;
  publicWebUrl: string;
  tenantId: string;
  actor: Actor;
  invitationId: string;
}

/**
 * Sends a pending (or expired) invitation again with a new link valid for another week; the old
 * link stops working. Owner invitations are resent by owners only, and one address gets at most
 * one invitation a minute.
 */
export async function resendInvitation({
  db,
  mailer,
  publicWebUrl,
  tenantId,
  actor,
  invitationId,
}: ResendInvitationOptions): Promise<IssuedInvitation> {
  requireAdmin(actor, 'resend invitations');
  await requireVerifiedEmail(db, actor, 'inviting people');
  const issued = newLinkToken();
  const { row, tenantName } = await db.transaction(async (tx) => {
    const workspace = await lockWorkspace(tx, tenantId);
    const role = await actorRoleNow(tx, tenantId, actor);
    const [current] = await tx
      .select({
        role: invitations.role,
        invitedBy: invitations.invitedBy,
        // Each send sets the expiry a week ahead, so this is when the current link was sent.
        sentRecently: sql<boolean>`${invitations.expiresAt} - make_interval(days => ${INVITATION_VALID_DAYS}) > now() - interval '1 minute'`,
      })
      .from(invitations)
      .where(
        and(
          eq(invitations.tenantId, tenantId),
          eq(invitations.id, invitationId),
          isNull(invitations.acceptedAt),
        ),
      )
      .for('update');
    if (!current) throw new AppError('NOT_FOUND', 'Invitation not found');
    if (!canInviteAs(role, current.role)) {
      throw new AppError(
        'FORBIDDEN',
        role === 'member' ? 'Only owners and admins may resend invitations' : ONLY_OWNERS_INVITE_OWNERS,
      );
    }
    if (current.sentRecently) {
      throw new AppError('RATE_LIMITED', 'This invitation was sent less than a minute ago. Wait a moment');
    }
    await tx
      .update(invitations)
      .set({
        tokenHash: issued.hash,
        invitedBy: actor.userId ?? current.invitedBy,
        expiresAt: sql`now() + make_interval(days => ${INVITATION_VALID_DAYS})`,
      })
      .where(and(eq(invitations.tenantId, tenantId), eq(invitations.id, invitationId)));
    return { row: await selectInvitationRow(tx, tenantId, invitationId), tenantName: workspace.name };
  });

  return sendInvitationMail(mailer, { publicWebUrl, token: issued.token, tenantName, row });
}
