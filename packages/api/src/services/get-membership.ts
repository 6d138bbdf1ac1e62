import { ZSlug } from '@toolgate/core/slug';
import type { Database } from '@toolgate/db/client';
import { findMembershipBySlug, type MembershipRecord } from '@toolgate/db/tenancy';

/**
 * The user's membership in the workspace with this slug, or null — for a workspace that does not
 * exist and one the user does not belong to alike, so callers answer both with the same 404.
 */
export async function getMembership(
  db: Database,
  { userId, tenantSlug }: { userId: string; tenantSlug: string },
): Promise<MembershipRecord | null> {
  if (!ZSlug.safeParse(tenantSlug).success) return null;
  return findMembershipBySlug(db, { userId, tenantSlug });
}
