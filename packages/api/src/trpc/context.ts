import { findUserById, type MembershipRecord } from '@toolgate/db/tenancy';
import type { ControlPlaneDeps } from '../deps.ts';
import { getMembership } from '../services/get-membership.ts';
import { sessionStands, type WebSession } from '../web-session.ts';

export interface TrpcContext {
  deps: ControlPlaneDeps;
  /** From the session; null when signed out. */
  userId: string | null;
  /** The caller's membership in the workspace named by the request; null when absent or not a member. */
  membership: MembershipRecord | null;
}

/**
 * Resolves who is calling and in which workspace. Transport-free (the web app's route handler
 * passes the session from its cookie and the slug from its header), so tests build it with
 * `createCaller` directly. A session whose user is gone, or that was signed in before the password
 * was last reset, is signed out.
 */
export async function createTrpcContext({
  deps,
  session,
  tenantSlug,
}: {
  deps: ControlPlaneDeps;
  session: WebSession | null;
  tenantSlug: string | null;
}): Promise<TrpcContext> {
  if (!session) return { deps, userId: null, membership: null };
  const { userId } = session;
  const [user, membership] = await Promise.all([
    findUserById(deps.db, userId),
    tenantSlug ? getMembership(deps.db, { userId, tenantSlug }) : null,
  ]);
  if (!user || !sessionStands(user, session)) return { deps, userId: null, membership: null };
  return { deps, userId, membership };
}
