/**
 * Who a web session says is calling, and since when (ms since the epoch; null in older cookies).
 * The web app reads it from its next-auth cookie; services and tRPC take it as plain data.
 */
export interface WebSession {
  userId: string;
  signedInAt: number | null;
}

/**
 * Whether the user still honours the session: one signed in before their password was last reset
 * (or from before sessions recorded their sign-in) is refused.
 */
export function sessionStands(user: { sessionsValidAfter: Date | null }, session: WebSession): boolean {
  if (!user.sessionsValidAfter) return true;
  return session.signedInAt !== null && session.signedInAt >= user.sessionsValidAfter.getTime();
}
