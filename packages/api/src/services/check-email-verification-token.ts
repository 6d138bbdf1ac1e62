import type { Database } from '@toolgate/db/client';
import { emailVerificationTokens, users } from '@toolgate/db/schema';
import { eq, sql } from 'drizzle-orm';
import { hashLinkToken, isWellFormedLinkToken } from '../link-token.ts';
import type { LinkProblem } from '../schemas/accounts.ts';

export type EmailVerificationTokenCheck = { ok: true; email: string } | { ok: false; problem: LinkProblem };

/**
 * Whether a verification link still works, without spending it: opening the link only shows the
 * page (mail scanners open links on arrival), and the address is verified when its owner confirms
 * (`verifyEmail`). A link for an address the account no longer has is invalid. The address is
 * shown to whoever holds the link: it was sent to that address.
 */
export async function checkEmailVerificationToken({
  db,
  token,
}: {
  db: Database;
  token: unknown;
}): Promise<EmailVerificationTokenCheck> {
  if (!isWellFormedLinkToken(token)) return { ok: false, problem: 'invalid' };
  const [row] = await db
    .select({
      email: emailVerificationTokens.email,
      usedAt: emailVerificationTokens.usedAt,
      expired: sql<boolean>`${emailVerificationTokens.expiresAt} <= now()`,
      sameAddress: sql<boolean>`lower(${users.email}) = lower(${emailVerificationTokens.email})`,
    })
    .from(emailVerificationTokens)
    .innerJoin(users, eq(users.id, emailVerificationTokens.userId))
    .where(eq(emailVerificationTokens.tokenHash, hashLinkToken(token)));
  if (!row || !row.sameAddress) return { ok: false, problem: 'invalid' };
  if (row.usedAt) return { ok: false, problem: 'used' };
  if (row.expired) return { ok: false, problem: 'expired' };
  return { ok: true, email: row.email };
}
