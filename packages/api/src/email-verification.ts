import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { users } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import type { Actor } from './actor.ts';

/** How long an emailed verification link works. */
export const VERIFICATION_LINK_VALID_HOURS = 24;

/** Where a verification link points, under PUBLIC_WEB_URL. */
export const verificationPath = (token: string): string => `/verify-email/${token}`;

/**
 * Whoever signed up with a password proves their address before they create API tokens, install
 * servers or invite people: until then a sign-up with someone else's address could act in their
 * name. Looking around is allowed. `action` completes "Verify your email address before …".
 * Callers that act for no user (org and team API tokens) pass: no person is behind them.
 */
export async function requireVerifiedEmail(db: Database, actor: Actor, action: string): Promise<void> {
  if (!actor.userId) return;
  const [user] = await db
    .select({ verifiedAt: users.emailVerifiedAt })
    .from(users)
    .where(eq(users.id, actor.userId));
  if (user && !user.verifiedAt) {
    throw new AppError(
      'FORBIDDEN',
      `Verify your email address before ${action}: follow the link in the email we sent you, or send a new one`,
      { reason: 'email-unverified' },
    );
  }
}
