import { AppError } from '@toolgate/core/errors';
import type { MemberRole } from '@toolgate/db/schema';

/**
 * Who is calling a service: a signed-in user with their membership role, or an API token acting
 * for the tenant (then `userId` may be null and `role` is what the token is allowed).
 */
export interface Actor {
  userId: string | null;
  role: MemberRole;
  tokenId?: string;
}

/**
 * The one owner-or-admin rule: owners and admins manage the workspace (members, teams, servers,
 * gateways); members use it. Takes an actor, a membership, or anything else with a role.
 */
export const isAdmin = ({ role }: Pick<Actor, 'role'>): boolean => role === 'owner' || role === 'admin';

/** Owners and admins only; `action` completes "only owners and admins may …". */
export function requireAdmin(actor: Actor, action: string): void {
  if (!isAdmin(actor)) throw new AppError('FORBIDDEN', `Only owners and admins may ${action}`);
}
