import { AppError } from '@toolgate/core/errors';
import { hashPassword } from '@toolgate/core/password';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { memberships, users } from '@toolgate/db/schema';
import { findUserByEmail } from '@toolgate/db/tenancy';
import { sql } from 'drizzle-orm';
import { claimInvitation, findInvitationByToken, requireUsableInvitation } from '../invitation-token.ts';
import { ZSignUpWithInvitationRequest, type SignUpWithInvitationRequest } from '../schemas/invitations.ts';
import { parseInput } from '../validation.ts';
import { requirePlanRoom } from './plans/plan-limits.ts';

import { requireSignupAllowed, type SignupMode } from '../signup-policy.ts';
export const INVITED_ACCOUNT_EXISTS =
  'An account with this email already exists. Sign in to accept the invitation';

export interface SignUpWithInvitationOptions {
  db: Database;
  input: SignUpWithInvitationRequest;
  /** TOOLGATE_SIGNUP: `closed` refuses new accounts even with an invitation. */
  signupMode?: SignupMode;
  /** The deployment's plans: joining is refused when the workspace is at its member limit. */
  plans?: PlansConfig;
}

/**
 * Creates an account for the invited address (taken from the invitation, never from the form)
 * and joins it to the workspace in one transaction; no workspace of its own is created.
 */
export async function signUpWithInvitation({
  db,
  input,
  signupMode = 'open',
  plans,
}: SignUpWithInvitationOptions): Promise<{ userId: string; email: string; tenantSlug: string }> {
  requireSignupAllowed(signupMode, 'invitation');
  const { token, name, password } = parseInput(ZSignUpWithInvitationRequest, input);
  const invitation = requireUsableInvitation(await findInvitationByToken(db, token));
  const accountExists = () =>
    new AppError('CONFLICT', INVITED_ACCOUNT_EXISTS, {
      reason: 'account-exists',
      fields: [{ path: 'email', message: INVITED_ACCOUNT_EXISTS }],
    });
  if (await findUserByEmail(db, invitation.email)) throw accountExists();

  // Hashed outside the transaction: never hold a (multiplexed, embedded) connection while computing.
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const role = await claimInvitation(tx, invitation);
    await requirePlanRoom(tx, invitation.tenantId, plans, 'members');
    const [user] = await tx
      .insert(users)
      // The invitation link was emailed to this address: following it proves the address.
      .values({ email: invitation.email, name, passwordHash, emailVerifiedAt: sql`now()` })
      .onConflictDoNothing()
      .returning({ id: users.id, email: users.email });
    // Lost a race with a sign-up for the same address; throwing rolls the claim back too.
    if (!user) throw accountExists();
    await tx.insert(memberships).values({ tenantId: invitation.tenantId, userId: user.id, role });
    return { userId: user.id, email: user.email, tenantSlug: invitation.tenantSlug };
  });
}
