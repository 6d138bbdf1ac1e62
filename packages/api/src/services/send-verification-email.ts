import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { emailVerificationTokens } from '@toolgate/db/schema';
import { findUserById, type UserRecord } from '@toolgate/db/tenancy';
import { sql } from 'drizzle-orm';
import { VERIFICATION_LINK_VALID_HOURS, verificationPath } from '../email-verification.ts';
import { newLinkToken, publicLink } from '../link-token.ts';
import type { Mailer } from '../mail/mailer.ts';
import { emailVerificationMail } from '../mail/messages.ts';
import type { VerificationEmailSent } from '../schemas/accounts.ts';

export const ALREADY_VERIFIED = 'Your email address is already verified';

export interface SendVerificationEmailOptions {
  db: Database;
  mailer: Mailer;
  /** PUBLIC_WEB_URL: the link is `${publicWebUrl}/verify-email/{token}`. */
  publicWebUrl: string;
  userId: string;
}

/**
 * Emails the user a single-use link (valid 24 hours) that verifies their address; earlier links
 * keep working until they expire. Not rate limited: sign-up sends one, and people asking again go
 * through `resendVerificationEmail`. CONFLICT when the address is verified already. A relay that
 * refuses the message is not an error (the SMTP mailer logs why): `emailed` is false, as it is
 * when no SMTP is configured (then the link is in the web server's log).
 */
export async function sendVerificationEmail(
  options: SendVerificationEmailOptions,
): Promise<VerificationEmailSent> {
  return mailVerificationLink({ ...options, user: await requireUnverifiedUser(options.db, options.userId) });
}

/** The user whose address is still to be verified: UNAUTHORIZED when gone, CONFLICT when verified. */
export async function requireUnverifiedUser(db: Database, userId: string): Promise<UserRecord> {
  const user = await findUserById(db, userId);
  if (!user) throw new AppError('UNAUTHORIZED', 'Sign in again');
  if (user.emailVerifiedAt) throw new AppError('CONFLICT', ALREADY_VERIFIED, { reason: 'already-verified' });
  return user;
}

export async function mailVerificationLink({
  db,
  mailer,
  publicWebUrl,
  user,
}: Omit<SendVerificationEmailOptions, 'userId'> & { user: UserRecord }): Promise<VerificationEmailSent> {
  const issued = newLinkToken();
  await db.insert(emailVerificationTokens).values({
    userId: user.id,
    email: user.email,
    tokenHash: issued.hash,
    // Database time for issuing and checking alike: app and database clocks may differ.
    expiresAt: sql`now() + make_interval(hours => ${VERIFICATION_LINK_VALID_HOURS})`,
  });
  try {
    await mailer.send(
      emailVerificationMail({
        to: user.email,
        link: publicLink(publicWebUrl, verificationPath(issued.token)),
        validHours: VERIFICATION_LINK_VALID_HOURS,
      }),
    );
    return { email: user.email, emailed: mailer.delivers };
  } catch {
    return { email: user.email, emailed: false };
  }
}
