import { getServerSession } from 'next-auth';
import { notFound, redirect } from 'next/navigation';
import { connection } from 'next/server';
import { cache } from 'react';
import type { Account, Membership } from '@toolgate/api/schemas/members';
import { getSessionAccount } from '@toolgate/api/services/get-account';
import { asAppError } from '@toolgate/api/trpc/app-errors';
import { webContext } from '../context.ts';
import { authOptions } from './options.ts';
import { webSession } from './web-session.ts';

/**
 * The signed-in user's account, once per request; null when signed out, when the session
 * outlived its user, or when it was signed in before a password reset.
 */
export const getCurrentAccount = cache(async (): Promise<Account | null> => {
  // Request-time only: never prerendered at build, where there is no environment or session.
  await connection();
  const session = webSession(await getServerSession(authOptions()));
  if (!session) return null;
  try {
    return await getSessionAccount(webContext().db.db, session);
  } catch (err) {
    if (asAppError(err)?.code === 'UNAUTHORIZED') return null;
    throw err;
  }
});

/** Only local paths: an open redirect would hand our users to anyone's phishing page. */
export function safeReturnPath(value: string | string[] | undefined, fallback = '/t'): string {
  const path = Array.isArray(value) ? value[0] : value;
  if (!path || !path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return fallback;
  return path;
}

export async function requireAccount(returnTo: string): Promise<Account> {
  const account = await getCurrentAccount();
  if (!account) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  return account;
}

/**
 * Every page and layout under /t/{slug} calls this: signed out → sign-in; not a member (or no
 * such workspace) → 404, so a workspace's existence is not disclosed to outsiders.
 */
export const requireMembership = cache(
  async (tenantSlug: string): Promise<{ account: Account; membership: Membership }> => {
    const account = await requireAccount(`/t/${tenantSlug}`);
    const membership = account.memberships.find((m) => m.tenantSlug === tenantSlug);
    if (!membership) notFound();
    return { account, membership };
  },
);
