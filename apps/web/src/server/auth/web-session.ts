import type { WebSession } from '@toolgate/api/web-session';
import type { Session, User } from 'next-auth';
import type { JWT } from 'next-auth/jwt';

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
