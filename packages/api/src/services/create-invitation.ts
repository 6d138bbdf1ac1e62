import { AppError } from '@toolgate/core/errors';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { invitations, memberships, users } from '@toolgate/db/schema';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { requireVerifiedEmail } from '../email-verification.ts';
import { INVITATION_VALID_DAYS, sendInvitationMail } from '../invitation-mail.ts';
import { newLinkToken } from '../link-token.ts';
import type { Mailer } from '../mail/mailer.ts';
import { canInviteAs } from '../member-permissions.ts';
import {
  ZCreateInvitationRequest,
  type CreateInvitationRequest,
  type IssuedInvitation,
} from '../schemas/invitations.ts';
import { parseInput } from '../validation.ts';
import { requirePlanRoom } from './plans/plan-limits.ts';
import { selectInvitationRow } from '../views/invitation.ts';
import { actorRoleNow, lockWorkspace } from '../workspace-lock.ts';

export interface CreateInvitationOptions {
  db: Database;
  mailer: Mailer;
  /** PUBLIC_WEB_URL: the link is `${publicWebUrl}/invite/{token}`. */
  publicWebUrl: string;
  tenantId: string;
  actor: Actor;
  input: CreateInvitationRequest;
  /** The deployment's plans: members and live invitations together stay within the member limit. */
  plans?: PlansConfig;
}

export const ONLY_OWNERS_INVITE_OWNERS = 'Only owners can invite owners';
export const ALREADY_MEMBER = 'This person is already a member of this workspace';
export const ALREADY_INVITED = 'This address already has a pending invitation. Resend or revoke it below';

const forbiddenOwnerInvite = () =>
  new AppError('FORBIDDEN', ONLY_OWNERS_INVITE_OWNERS, {
    fields: [{ path: 'role', message: ONLY_OWNERS_INVITE_OWNERS }],
  });

/**
 * Invites an address into the workspace with a role (owners and admins; only owners invite
 * owners), emails the link and returns it once — the database keeps only its hash. A member's
 * address, or one with a live invitation, is a CONFLICT; an expired invitation is replaced.
 */
export async function createInvitation({
  db,
  mailer,
  publicWebUrl,
  tenantId,
  actor,
  input,
  plans,
}: CreateInvitationOptions): Promise<IssuedInvitation> {
  requireAdmin(actor, 'invite people');
  await requireVerifiedEmail(db, actor, 'inviting people');
  const request = parseInput(ZCreateInvitationRequest, input);
  if (!canInviteAs(actor.role, request.role)) throw forbiddenOwnerInvite();

  const issued = newLinkToken();
  const { row, tenantName } = await db.transaction(async (tx) => {
    const workspace = await lockWorkspace(tx, tenantId);
    const role = await actorRoleNow(tx, tenantId, actor);
    if (!canInviteAs(role, request.role)) {
      throw role === 'member'
        ? new AppError('FORBIDDEN', 'Only owners and admins may invite people')
        : forbiddenOwnerInvite();
    }

    const [member] = await tx
      .select({ userId: memberships.userId })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.tenantId, tenantId), sql`lower(${users.email}) = ${request.email}`));
    if (member) {
      throw new AppError('CONFLICT', ALREADY_MEMBER, {
        fields: [{ path: 'email', message: ALREADY_MEMBER }],
      });
    }
    const unaccepted = and(
      eq(invitations.tenantId, tenantId),
      eq(invitations.email, request.email),
      isNull(invitations.acceptedAt),
    );
    const pending = await tx
      .select({ id: invitations.id, expired: sql<boolean>`${invitations.expiresAt} <= now()` })
      .from(invitations)
      .where(unaccepted);
    if (pending.some((p) => !p.expired)) {
      throw new AppError('CONFLICT', ALREADY_INVITED, {
        fields: [{ path: 'email', message: ALREADY_INVITED }],
      });
    }
    if (pending.length > 0) await tx.delete(invitations).where(unaccepted);
    await requirePlanRoom(tx, tenantId, plans, 'members', { countInvitations: true });

    const [created] = await tx
      .insert(invitations)
      .values({
        tenantId,
        email: request.email,
        role: request.role,
        tokenHash: issued.hash,
        invitedBy: actor.userId,
        expiresAt: sql`now() + make_interval(days => ${INVITATION_VALID_DAYS})`,
      })
      .returning({ id: invitations.id });
    return { row: await selectInvitationRow(tx, tenantId, created!.id), tenantName: workspace.name };
  });

  return sendInvitationMail(mailer, { publicWebUrl, token: issued.token, tenantName, row });
}
