import { and, eq } from 'drizzle-orm';
import type { Database } from './client.ts';
import { memberships, teamMembers, tenants, users, type MemberRole } from './schema/index.ts';

/** A user as the proxy authorizes them in one tenant. Cached, so plain JSON. */
export interface UserPrincipal {
  userId: string;
  tenantId: string;
  role: MemberRole;
  /** The user's address (absent from records cached before it was kept). */
  email?: string;
  /** The user's teams in the tenant, sorted. */
  teamIds: string[];
  /** The tenant's configuration version when this was read (older copies in a cache are stale). */
  configVersion: number;
}

/** The user's membership and teams in `tenantId`; null when they are not a member. */
export async function findUserPrincipal(
  db: Database,
  tenantId: string,
  userId: string,
): Promise<UserPrincipal | null> {
  const [[member], teamRows, [tenant]] = await Promise.all([
    db
      .select({ role: memberships.role, email: users.email })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId))),
    db
      .select({ teamId: teamMembers.teamId })
      .from(teamMembers)
      .where(and(eq(teamMembers.tenantId, tenantId), eq(teamMembers.userId, userId))),
    db.select({ configVersion: tenants.configVersion }).from(tenants).where(eq(tenants.id, tenantId)),
  ]);
  if (!member) return null;
  return {
    userId,
    tenantId,
    role: member.role,
    email: member.email,
    teamIds: teamRows.map((r) => r.teamId).sort(),
    configVersion: tenant?.configVersion ?? 0,
  };
}
