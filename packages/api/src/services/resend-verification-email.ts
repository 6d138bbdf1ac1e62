import type { Bus } from '@toolgate/bus';
import { windowStart } from '@toolgate/bus/types';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import type { Mailer } from '../mail/mailer.ts';
import type { VerificationEmailSent } from '../schemas/accounts.ts';
import { mailVerificationLink, requireUnverifiedUser } from './send-verification-email.ts';

/** Resends per user: one a minute, five a day (fixed windows shared by every web process). */
export const RESEND_LIMITS = [
  {
    windowSeconds: 60,
    limit: 1,
    message: 'A verification email was just sent. Wait a minute before asking again',
  },
  {
    windowSeconds: 24 * 60 * 60,
    limit: 5,
    message: 'You have asked for 5 verification emails today. Try again tomorrow',
  },
] as const;

export const resendCounterKey = (userId: string, windowSeconds: number): string =>
  `email-verification:resend:${userId}:${windowSeconds}`;

export interface ResendVerificationEmailOptions {
  db: Database;
  bus: Bus;
  mailer: Mailer;
  /** PUBLIC_WEB_URL, where the link points. */
  publicWebUrl: string;
  /** The signed-in user (or the user an API token acts for); null: a token that acts for no user. */
  userId: string | null;
}

/**
 * Sends the caller a new verification link, at most once a minute and five times a day, so the
 * button cannot flood the (possibly someone else's) address the account was made with. Over the
 * limit: RATE_LIMITED with `details.retryAfterSeconds`. Already verified: CONFLICT, counting nothing.
 */
export async function resendVerificationEmail({
  db,
  bus,
  mailer,
  publicWebUrl,
  userId,
}: ResendVerificationEmailOptions): Promise<VerificationEmailSent> {
  if (!userId) throw new AppError('INVALID', 'This token acts for no user: there is no address to verify');
  const user = await requireUnverifiedUser(db, userId);

  for (const { windowSeconds, limit, message } of RESEND_LIMITS) {
    // Counted before sending, atomically: two clicks at once cannot both pass.
    const sent = await bus.quotas.increment(resendCounterKey(userId, windowSeconds), 1, windowSeconds);
    if (sent > limit) {
      const retryAfterSeconds = Math.max(
        1,
        Math.ceil(windowStart(windowSeconds) + windowSeconds - Date.now() / 1000),
      );
      throw new AppError('RATE_LIMITED', message, { retryAfterSeconds });
    }
  }
  return mailVerificationLink({ db, mailer, publicWebUrl, user });
}
