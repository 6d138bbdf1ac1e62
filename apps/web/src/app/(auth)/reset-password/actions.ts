'use server';

import { resetPassword } from '@toolgate/api/services/reset-password';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import { ZResetPasswordForm, type ResetPasswordForm } from '@toolgate/api/schemas/password-reset';
import { webContext } from '~/server/context';
import { actionFailure, type ActionResult } from '~/server/form-action';

/** Sets the new password; the browser then sends the user to sign in with it. */
export async function resetPasswordAction(
  input: ResetPasswordForm & { token: string },
): Promise<ActionResult> {
  const parsed = ZResetPasswordForm.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrors(parsed.error) };
  try {
    await resetPassword({
      db: webContext().db.db,
      input: { token: typeof input.token === 'string' ? input.token : '', password: parsed.data.password },
    });
    return { ok: true };
  } catch (err) {
    return actionFailure(err);
  }
}
