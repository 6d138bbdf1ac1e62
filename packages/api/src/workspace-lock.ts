import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { memberships, tenants, type MemberRole } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from './actor.ts';

export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface LockedWorkspace {
  id: string;
  slug: string;
  name: string;
}

/**
 * Serialises changes to one workspace's members and invitations: two admins demoting the last
 * two owners at once, or inviting the same address twice, queue behind each other. NO KEY UPDATE
 * so rows that merely reference the tenant (tokens, audit events) are not held up. A workspace
 * that no longer exists is NOT_FOUND.
 */
export async function lockWorkspace(tx: Tx, tenantId: string): Promise<LockedWorkspace> {
  const [row] = await tx
    .select({ id: tenants.id, slug: tenants.slug, name: tenants.name })
    .from(tenants)
    .where(eq(tenants.id, tenantId))
    .for('no key update');
  if (!row) throw new AppError('NOT_FOUND', 'Workspace not found');
  return row;
}

/** A member's current role, read inside the lock (the caller's may have changed since the request began). */
export async function currentRole(tx: Tx, tenantId: string, userId: string): Promise<MemberRole | null> {
  const [row] = await tx
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)));
  return row?.role ?? null;
}

export async function countOwners(tx: Tx, tenantId: string): Promise<number> {
  return tx.$count(memberships, and(eq(memberships.tenantId, tenantId), eq(memberships.role, 'owner')));
}

/**
 * The actor's role as of now, inside the lock. A token acting for no user keeps the role it was
 * granted; a user who has meanwhile been removed may do nothing.
 */
export async function actorRoleNow(tx: Tx, tenantId: string, actor: Actor): Promise<MemberRole> {
  if (!actor.userId) return actor.role;
  const role = await currentRole(tx, tenantId, actor.userId);
  if (!role) throw new AppError('FORBIDDEN', 'You are no longer a member of this workspace');
  return role;
}
