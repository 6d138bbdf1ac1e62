'use server';

import { requestPasswordReset } from '@toolgate/api/services/request-password-reset';
import { RateLimitedError } from '@toolgate/auth/errors';
import { headers } from 'next/headers';
import { after } from 'next/server';
import { fieldErrors } from '@toolgate/api/schemas/field-errors';
import { ZForgotPasswordForm, type ForgotPasswordForm } from '@toolgate/api/schemas/password-reset';
import { webEnv } from '~/env';
import { webContext } from '~/server/context';
import type { ActionResult } from '~/server/form-action';
import { clientAddress } from '~/server/oauth/client-address';
import { countPasswordResetRequest } from '~/server/password-reset-limit';

/**
 * Answers at once and the same for every well-formed address; looking the account up and
 * sending the mail happen after the response, so not even its timing tells whether the address
 * has an account.
 */
export async function requestPasswordResetAction(input: ForgotPasswordForm): Promise<ActionResult> {
  const parsed = ZForgotPasswordForm.safeParse(input);
  if (!parsed.success) return { ok: false, fieldErrors: fieldErrors(parsed.error) };
  const { db, bus, mailer, log } = webContext();
  const env = webEnv();
  try {
    await countPasswordResetRequest(
      { bus, log },
      clientAddress({ headers: await headers() }, env.TRUST_PROXY),
    );
  } catch (err) {
    if (err instanceof RateLimitedError) return { ok: false, fieldErrors: {}, formError: err.description };
    throw err;
  }
  const publicWebUrl = env.PUBLIC_WEB_URL;
  after(async () => {
    try {
      await requestPasswordReset({ db: db.db, mailer, publicWebUrl, input: parsed.data });
    } catch (err) {
      log.error({ err }, 'password reset request failed');
    }
  });
  return { ok: true };
}
