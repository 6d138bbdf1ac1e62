import type { Database } from '@toolgate/db/client';
import { passwordResetTokens, users } from '@toolgate/db/schema';
import { eq, sql } from 'drizzle-orm';
import { hashLinkToken, isWellFormedLinkToken } from '../link-token.ts';
import type { LinkProblem } from '../schemas/accounts.ts';

export type PasswordResetTokenCheck = { ok: true; email: string } | { ok: false; problem: LinkProblem };

/**
 * Whether a reset link still works, so the page can say so before anyone types a password. The
 * address is shown to whoever holds the link: it was sent to that address.
 */
export async function checkPasswordResetToken({
  db,
  token,
}: {
  db: Database;
  token: unknown;
}): Promise<PasswordResetTokenCheck> {
  if (!isWellFormedLinkToken(token)) return { ok: false, problem: 'invalid' };
  const [row] = await db
    .select({
      email: users.email,
      usedAt: passwordResetTokens.usedAt,
      expired: sql<boolean>`${passwordResetTokens.expiresAt} <= now()`,
    })
    .from(passwordResetTokens)
    .innerJoin(users, eq(users.id, passwordResetTokens.userId))
    .where(eq(passwordResetTokens.tokenHash, hashLinkToken(token)));
  if (!row) return { ok: false, problem: 'invalid' };
  if (row.usedAt) return { ok: false, problem: 'used' };
  if (row.expired) return { ok: false, problem: 'expired' };
  return { ok: true, email: row.email };
}
