import { getCurrentAccount } from '../auth/session.ts';

/** The signed-in user's id for OAuth route handlers (null when signed out or the user is gone). */
export const sessionUserId = async (): Promise<string | null> => (await getCurrentAccount())?.user.id ?? null;
