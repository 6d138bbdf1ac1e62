'use server';

import { verifyEmail } from '@toolgate/api/services/verify-email';
import { webContext } from '~/server/context';
import { actionFailure, type ActionResult } from '~/server/form-action';

/**
 * Verifies the address the link went to: the confirm button on the link's page posts here. Opening
 * the page verifies nothing, so a mail scanner that follows the link spends nothing.
 */
export async function verifyEmailAction(token: string): Promise<ActionResult<{ email: string }>> {
  try {
    const { email } = await verifyEmail({
      db: webContext().db.db,
      token: typeof token === 'string' ? token : '',
    });
    return { ok: true, email };
  } catch (err) {
    return actionFailure(err);
  }
}
