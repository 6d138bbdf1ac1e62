import type { Database } from '@toolgate/db/client';
import { passwordResetTokens, users } from '@toolgate/db/schema';
import { findUserByEmail } from '@toolgate/db/tenancy';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { newLinkToken, publicLink } from '../link-token.ts';
import type { Mailer } from '../mail/mailer.ts';
import { passwordResetMail } from '../mail/messages.ts';
import { ZRequestPasswordReset, type RequestPasswordReset } from '../schemas/accounts.ts';
import { parseInput } from '../validation.ts';

export const PASSWORD_RESET_VALID_MINUTES = 60;

export interface RequestPasswordResetOptions {
  db: Database;
  mailer: Mailer;
  /** PUBLIC_WEB_URL: the link is `${publicWebUrl}/reset-password?token=…`. */
  publicWebUrl: string;
  input: RequestPasswordReset;
}

/**
 * Emails a single-use link (valid one hour) to the account with this address, if there is one.
 * Callers answer the same whether or not there is, so the form tells nobody which addresses have
 * accounts. At most one link per address per minute: further requests in that minute send
 * nothing, so the form cannot be used to flood someone's inbox. Resolves to nothing either way,
 * so no caller can tell the requester more.
 */
export async function requestPasswordReset({
  db,
  mailer,
  publicWebUrl,
  input,
}: RequestPasswordResetOptions): Promise<void> {
  const { email } = parseInput(ZRequestPasswordReset, input);
  const user = await findUserByEmail(db, email);
  if (!user) return;

  const issued = newLinkToken();
  const created = await db.transaction(async (tx) => {
    // Concurrent requests for one address queue on the user row, so only one passes the check.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, user.id)).for('no key update');
    const [recent] = await tx
      .select({ id: passwordResetTokens.id })
      .from(passwordResetTokens)
      .where(
        and(
          eq(passwordResetTokens.userId, user.id),
          isNull(passwordResetTokens.usedAt),
          gt(passwordResetTokens.createdAt, sql`now() - interval '1 minute'`),
        ),
      )
      .limit(1);
    if (recent) return false;
    await tx.insert(passwordResetTokens).values({
      userId: user.id,
      tokenHash: issued.hash,
      // Database time for issuing and checking alike: app and database clocks may differ.
      expiresAt: sql`now() + make_interval(mins => ${PASSWORD_RESET_VALID_MINUTES})`,
    });
    return true;
  });
  if (!created) return;

  await mailer.send(
    passwordResetMail({
      to: user.email,
      link: publicLink(publicWebUrl, `/reset-password?token=${issued.token}`),
      validMinutes: PASSWORD_RESET_VALID_MINUTES,
    }),
  );
}
