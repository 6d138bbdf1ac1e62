import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { findUserById, listUserMemberships } from '@toolgate/db/tenancy';
import type { Account } from '../../schemas/members.ts';

/** The signed-in user and every workspace they belong to. */
export async function getAccount(db: Database, { userId }: { userId: string }): Promise<Account> {
  const [user, memberships] = await Promise.all([findUserById(db, userId), listUserMemberships(db, userId)]);
  // A session outliving its user (deleted account): treat as signed out.
  if (!user) throw new AppError('UNAUTHORIZED', 'sign in again');
  return { user: { id: user.id, name: user.name, email: user.email }, memberships };
}
