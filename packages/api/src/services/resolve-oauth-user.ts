import type { Database } from '@toolgate/db/client';
import { findUserByEmail, insertUser } from '@toolgate/db/tenancy';
import { ZEmailAddress } from '../schemas/accounts.ts';
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
): Promise<AuthenticatedUser | null> {
  if (!input.emailVerified) return null;
  const email = ZEmailAddress.safeParse(input.email);
  if (!email.success) return null;
  const user =
    (await findUserByEmail(db, email.data)) ??
    (await insertUser(db, {
      email: email.data,
      name: input.name?.trim() || null,
      emailVerifiedAt: new Date(),
    }));
  return { id: user.id, email: user.email, name: user.name };
}
