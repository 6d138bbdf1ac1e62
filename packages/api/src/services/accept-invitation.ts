import { AppError } from '@toolgate/core/errors';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { memberships, users, type MemberRole } from '@toolgate/db/schema';
import { findUserById } from '@toolgate/db/tenancy';
import { eq, sql } from 'drizzle-orm';
import { claimInvitation, findInvitationByToken, requireUsableInvitation } from '../invitation-token.ts';
import { currentRole } from '../workspace-lock.ts';
import { requirePlanRoom } from './plans/plan-limits.ts';

export interface AcceptInvitationOptions {
  db: Database;
  /** The signed-in user accepting. */
  userId: string;
  token: string;
  /** The deployment's plans: joining is refused when the workspace is at its member limit. */
  plans?: PlansConfig;
}

export interface AcceptedInvitation {
  tenantId: string;
  tenantSlug: string;
  role: MemberRole;
}

/**
 * Joins the signed-in user to the invitation's workspace, if the invitation was for their
 * address (FORBIDDEN otherwise: a forwarded link does not let someone else in). Single use.
 */
export async function acceptInvitation({
  db,
  userId,
  token,
  plans,
}: AcceptInvitationOptions): Promise<AcceptedInvitation> {
  const invitation = requireUsableInvitation(await findInvitationByToken(db, token));
  const user = await findUserById(db, userId);
  if (!user) throw new AppError('UNAUTHORIZED', 'Sign in again');
  if (user.email.toLowerCase() !== invitation.email.toLowerCase()) {
    throw new AppError(
      'FORBIDDEN',
      `This invitation is for ${invitation.email}, but you are signed in as ${user.email}. ` +
        `Sign in as ${invitation.email} to accept it.`,
      { reason: 'wrong-account' },
    );
  }
  return db.transaction(async (tx) => {
    const role = await claimInvitation(tx, invitation);
    if (!(await currentRole(tx, invitation.tenantId, userId)))
      await requirePlanRoom(tx, invitation.tenantId, plans, 'members');
    // The link was emailed to the user's address (checked above): following it proves the address.
    await tx
      .update(users)
      .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())` })
      .where(eq(users.id, userId));
    const [joined] = await tx
      .insert(memberships)
      .values({ tenantId: invitation.tenantId, userId, role })
      .onConflictDoNothing()
      .returning({ role: memberships.role });
    // Already a member (joined meanwhile): an invitation never changes an existing role.
    const finalRole = joined?.role ?? (await currentRole(tx, invitation.tenantId, userId)) ?? role;
    return { tenantId: invitation.tenantId, tenantSlug: invitation.tenantSlug, role: finalRole };
  });
}
