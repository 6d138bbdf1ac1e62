import type { Database } from '@toolgate/db/client';
import { findUserByEmail, insertUser } from '@toolgate/db/tenancy';
import { invitations, users } from '@toolgate/db/schema';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { ZEmailAddress } from '../schemas/accounts.ts';
import { signupAllowed, type SignupMode } from '../signup-policy.ts';
import type { AuthenticatedUser } from './authenticate-user.ts';

/**
 * Our user for someone an identity provider vouches for: matched by email, created (without a
 * password or workspace) on first sign-in. Only an address the provider says it verified may be
 * matched, otherwise anyone could register a victim's address at a lax provider and take over
 * the account; null refuses the sign-in.
 */
export async function resolveOAuthUser(
  db: Database,
  input: { email: string | null | undefined; name: string | null | undefined; emailVerified: boolean },
  { signupMode = 'open' }: { signupMode?: SignupMode } = {},
): Promise<AuthenticatedUser | null> {
  if (!input.emailVerified) return null;
  const email = ZEmailAddress.safeParse(input.email);
  if (!email.success) return null;
  const existing = await findUserByEmail(db, email.data);
  if (existing) {
    // The provider vouches for the address: an account made with it by password is verified now.
    if (!existing.emailVerifiedAt)
      await db
        .update(users)
        .set({ emailVerifiedAt: sql`now()` })
        .where(eq(users.id, existing.id));
    return { id: existing.id, email: existing.email, name: existing.name };
  }
  // TOOLGATE_SIGNUP: a first sign-in creates an account only where sign-up is open, or (invite)
  // for an address with a pending invitation.
  const invited =
    signupMode === 'invite' &&
    (
      await db
        .select({ id: invitations.id })
        .from(invitations)
        .where(
          and(
            sql`lower(${invitations.email}) = lower(${email.data})`,
            isNull(invitations.acceptedAt),
            gt(invitations.expiresAt, new Date()),
          ),
        )
        .limit(1)
    ).length > 0;
  if (!signupAllowed(signupMode, 'single-sign-on', { invited })) return null;
  const user = await insertUser(db, {
    email: email.data,
    name: input.name?.trim() || null,
    emailVerifiedAt: new Date(),
  });
  return { id: user.id, email: user.email, name: user.name };
}
