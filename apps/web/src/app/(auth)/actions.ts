'use server';

import type { CreateWorkspaceRequest, SignUpRequest } from '@toolgate/api/schemas/accounts';
import { createWorkspace } from '@toolgate/api/services/create-workspace';
import { signUp } from '@toolgate/api/services/sign-up';
import { webEnv } from '~/env';
import { getCurrentAccount } from '~/server/auth/session';
import { webContext } from '~/server/context';
import { actionFailure, sessionEnded, type ActionResult } from '~/server/form-action';

/**
 * Creates the account and workspace and, when TOOLGATE_EMAIL_VERIFICATION asks for it, emails the
 * verification link; the browser then signs in with the same credentials.
 */
export async function signUpAction(input: SignUpRequest): Promise<ActionResult<{ tenantSlug: string }>> {
  try {
    const { db, mailer } = webContext();
    const { tenantSlug } = await signUp(db.db, input, {
      signupMode: webEnv().TOOLGATE_SIGNUP,
      emailVerification: webEnv().TOOLGATE_EMAIL_VERIFICATION,
      verificationMail: { mailer, publicWebUrl: webEnv().PUBLIC_WEB_URL },
    });
    return { ok: true, tenantSlug };
  } catch (err) {
    return actionFailure(err);
  }
}

/** A further workspace for the signed-in user. */
export async function createWorkspaceAction(
  input: CreateWorkspaceRequest,
): Promise<ActionResult<{ tenantSlug: string }>> {
  const account = await getCurrentAccount();
  if (!account) return sessionEnded();
  try {
    const { tenantSlug } = await createWorkspace(webContext().db.db, {
      userId: account.user.id,
      signupMode: webEnv().TOOLGATE_SIGNUP,
      ...input,
    });
    return { ok: true, tenantSlug };
  } catch (err) {
    return actionFailure(err);
  }
}
