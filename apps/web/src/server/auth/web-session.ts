import type { Session, User } from 'next-auth';
import type { JWT } from 'next-auth/jwt';

/** Who a web session says is calling, and since when (ms since the epoch; null in older cookies). */
export interface WebSession {
  userId: string;
  signedInAt: number | null;
}

/**
 * next-auth's `jwt` callback. The cookie carries our user id (`sub`) and when the user signed in:
 * not `iat`, which next-auth re-stamps each time it refreshes the cookie, so a stolen cookie kept
 * fresh would always look new.
 */
export function sessionJwt({ token, user }: { token: JWT; user?: User }): JWT {
  if (user) {
    token.sub = user.id;
    token.signedInAt = Date.now();
  }
  return token;
}

/** next-auth's `session` callback: what `getServerSession` returns. */
export function sessionFromToken({ session, token }: { session: Session; token: JWT }): Session {
  session.user = { id: token.sub!, name: token.name ?? null, email: token.email ?? null };
  session.signedInAt = typeof token.signedInAt === 'number' ? token.signedInAt : null;
  return session;
}

export function webSession(session: Session | null): WebSession | null {
  const userId = session?.user?.id;
  return userId ? { userId, signedInAt: session.signedInAt ?? null } : null;
}

/**
 * Whether the user still honours the session: one signed in before their password was last reset
 * (or from before sessions recorded their sign-in) is refused.
 */
export function sessionStands(user: { sessionsValidAfter: Date | null }, session: WebSession): boolean {
  if (!user.sessionsValidAfter) return true;
  return session.signedInAt !== null && session.signedInAt >= user.sessionsValidAfter.getTime();
}
