import { hashPassword } from '@toolgate/core/password';
import type { Database } from '@toolgate/db/client';
import { passwordResetTokens, users } from '@toolgate/db/schema';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { linkProblemError } from '../link-problems.ts';
import { hashLinkToken } from '../link-token.ts';
import { ZResetPasswordRequest, type ResetPasswordRequest } from '../schemas/accounts.ts';
import { parseInput } from '../validation.ts';
import { checkPasswordResetToken } from './check-password-reset-token.ts';

export interface ResetPasswordOptions {
  db: Database;
  input: ResetPasswordRequest;
}

/**
 * Sets a new password with a reset link. The link works once; on success every other live link
 * of that user is spent too, and every web session signed in before it is refused from then on. Throws the link's problem (NOT_FOUND / INVALID / CONFLICT with
 * `details.reason`) or INVALID for a password that does not qualify.
 */
export async function resetPassword({
  db,
  input,
}: ResetPasswordOptions): Promise<{ userId: string; email: string }> {
  const { token, password } = parseInput(ZResetPasswordRequest, input);
  // Checked first so a dead link costs no argon2 work; the guarded update below decides races.
  const check = await checkPasswordResetToken({ db, token });
  if (!check.ok) throw linkProblemError('password-reset', check.problem);
  // Hashed outside the transaction: never hold a (multiplexed, embedded) connection while computing.
  const passwordHash = await hashPassword(password);

  const spent = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(passwordResetTokens)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(passwordResetTokens.tokenHash, hashLinkToken(token)),
          isNull(passwordResetTokens.usedAt),
          gt(passwordResetTokens.expiresAt, sql`now()`),
        ),
      )
      .returning({ userId: passwordResetTokens.userId });
    if (!row) return null;
    const [user] = await tx
      .update(users)
      .set({
        passwordHash,
        // Following the emailed link proves the address is theirs.
        emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())`,
        // Signs out every session, including one stolen before the reset.
        sessionsValidAfter: sql`now()`,
      })
      .where(eq(users.id, row.userId))
      .returning({ userId: users.id, email: users.email });
    await tx
      .update(passwordResetTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(passwordResetTokens.userId, row.userId), isNull(passwordResetTokens.usedAt)));
    return user ?? null;
  });
  if (spent) return spent;
  // Lost a race with another use of the same link (or it expired meanwhile): say which.
  const again = await checkPasswordResetToken({ db, token });
  throw linkProblemError('password-reset', again.ok ? 'used' : again.problem);
}
