import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { findUserById, listUserMemberships } from '@toolgate/db/tenancy';
import type { Account } from '../schemas/members.ts';
import { sessionStands, type WebSession } from '../web-session.ts';

/** The signed-in user and every workspace they belong to. */
export function getAccount(db: Database, { userId }: { userId: string }): Promise<Account> {
  return loadAccount(db, userId, null);
}

/**
 * The account a web session belongs to. UNAUTHORIZED (treat as signed out) when the user is gone
 * or the session was signed in before the password was last reset.
 */
export function getSessionAccount(db: Database, session: WebSession): Promise<Account> {
  return loadAccount(db, session.userId, session);
}

async function loadAccount(db: Database, userId: string, session: WebSession | null): Promise<Account> {
  const [user, memberships] = await Promise.all([findUserById(db, userId), listUserMemberships(db, userId)]);
  if (!user || (session && !sessionStands(user, session)))
    throw new AppError('UNAUTHORIZED', 'sign in again');
  return {
    user: { id: user.id, name: user.name, email: user.email, emailVerified: user.emailVerifiedAt !== null },
    memberships,
  };
}
