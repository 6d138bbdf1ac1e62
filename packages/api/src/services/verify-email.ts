import type { Database } from '@toolgate/db/client';
import { emailVerificationTokens, users } from '@toolgate/db/schema';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { linkProblemError } from '../link-problems.ts';
import { hashLinkToken, isWellFormedLinkToken } from '../link-token.ts';
import { checkEmailVerificationToken } from './check-email-verification-token.ts';

/**
 * Verifies the address a link was emailed to, holding the link being the proof. The page the link
 * opens calls this only when its owner confirms (a POST): mail scanners open links on arrival, so
 * opening one merely checks it (`checkEmailVerificationToken`). Single use: on success every other
 * live link of that user is spent too. Throws the link's problem (NOT_FOUND / INVALID / CONFLICT
 * with `details.reason`): unknown, expired, or used already — a used link means the address is
 * verified. A link for an address the account no longer has is unknown.
 */
export async function verifyEmail({
  db,
  token,
}: {
  db: Database;
  token: unknown;
}): Promise<{ email: string }> {
  if (!isWellFormedLinkToken(token)) throw linkProblemError('email-verification', 'invalid');
  const tokenHash = hashLinkToken(token);
  const verified = await db.transaction(async (tx) => {
    const [link] = await tx
      .update(emailVerificationTokens)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(emailVerificationTokens.tokenHash, tokenHash),
          isNull(emailVerificationTokens.usedAt),
          gt(emailVerificationTokens.expiresAt, sql`now()`),
        ),
      )
      .returning({ userId: emailVerificationTokens.userId, email: emailVerificationTokens.email });
    if (!link) return null;
    const [user] = await tx
      .update(users)
      .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())` })
      .where(and(eq(users.id, link.userId), sql`lower(${users.email}) = lower(${link.email})`))
      .returning({ email: users.email });
    if (!user) return null;
    await tx
      .update(emailVerificationTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(emailVerificationTokens.userId, link.userId), isNull(emailVerificationTokens.usedAt)));
    return user;
  });
  if (verified) return verified;
  // The guarded update missed: say why. A link that looks live now lost a race with another use.
  const check = await checkEmailVerificationToken({ db, token });
  throw linkProblemError('email-verification', check.ok ? 'used' : check.problem);
}
