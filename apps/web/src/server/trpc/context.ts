import type { Database } from '@toolgate/db/client';
import type { MembershipRecord } from '@toolgate/db/tenancy';
import { getMembership } from '../services/get-membership.ts';

export { TENANT_HEADER } from '../../trpc/tenant-header.ts';

export interface TrpcContext {
  db: Database;
  /** From the session; null when signed out. */
  userId: string | null;
  /** The caller's membership in the workspace named by the request; null when absent or not a member. */
  membership: MembershipRecord | null;
}

/**
 * Resolves who is calling and in which workspace. Transport-free (the route handler passes the
 * session's user id and the header's slug), so tests build it with `createCaller` directly.
 */
export async function createTrpcContext({
  db,
  userId,
  tenantSlug,
}: {
  db: Database;
  userId: string | null;
  tenantSlug: string | null;
}): Promise<TrpcContext> {
  const membership = userId && tenantSlug ? await getMembership(db, { userId, tenantSlug }) : null;
  return { db, userId, membership };
}
