import { hashPassword, verifyPassword } from '@toolgate/core/password';
import type { Database } from '@toolgate/db/client';
import { findUserByEmail } from '@toolgate/db/tenancy';
import { ZSignInRequest } from '../schemas/accounts.ts';

export interface AuthenticatedUser {
  id: string;
  email: string;
  name: string | null;
}

let decoyHash: Promise<string> | undefined;

/**
 * The user whose email and password these are, or null. An unknown email costs the same argon2
 * verification as a wrong password, so response times do not tell which addresses have accounts.
 */
export async function authenticateUser(
  db: Database,
  input: { email: string; password: string },
): Promise<AuthenticatedUser | null> {
  const parsed = ZSignInRequest.safeParse(input);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  const user = await findUserByEmail(db, email);
  if (!user?.passwordHash) {
    await verifyPassword(await (decoyHash ??= hashPassword('decoy password, never matches')), password);
    return null;
  }
  if (!(await verifyPassword(user.passwordHash, password))) return null;
  return { id: user.id, email: user.email, name: user.name };
}
