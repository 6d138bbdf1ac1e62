'use server';

import { acceptInvitation } from '@toolgate/api/services/accept-invitation';
import { signUpWithInvitation } from '@toolgate/api/services/sign-up-with-invitation';
import { getCurrentAccount } from '~/server/auth/session';
import { webContext } from '~/server/context';
import { webEnv, webPlans } from '~/env';
import { actionFailure, sessionEnded, type ActionResult } from '~/server/form-action';

/** The signed-in user joins the workspace; the service checks the invitation is theirs. */
export async function acceptInvitationAction(token: string): Promise<ActionResult<{ tenantSlug: string }>> {
  const account = await getCurrentAccount();
  if (!account) return sessionEnded();
  try {
    const { tenantSlug } = await acceptInvitation({
      db: webContext().db.db,
      userId: account.user.id,
      token: typeof token === 'string' ? token : '',
      plans: webPlans(),
    });
    return { ok: true, tenantSlug };
  } catch (err) {
    return actionFailure(err);
  }
}

/**
 * A new account for the invited address, joined to the workspace; the browser then signs in with
 * the same credentials. The address comes from the invitation, never from the form.
 */
export async function signUpWithInvitationAction(input: {
  token: string;
  name: string;
  password: string;
}): Promise<ActionResult<{ email: string; tenantSlug: string }>> {
  try {
    const { email, tenantSlug } = await signUpWithInvitation({
      db: webContext().db.db,
      input,
      signupMode: webEnv().TOOLGATE_SIGNUP,
      plans: webPlans(),
    });
    return { ok: true, email, tenantSlug };
  } catch (err) {
    return actionFailure(err);
  }
}
