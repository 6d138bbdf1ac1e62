import { isAdmin } from './actor.ts';

/**
 * Who may do what to whom in a workspace. Pure (and safe in the browser), so the services (which
 * also enforce the last-owner rule against the database) and the UI (which only offers what would
 * be allowed) share one definition. Owners and admins manage members and invitations (`isAdmin`).
 */
export type WorkspaceRole = 'owner' | 'admin' | 'member';

export const ROLES_BY_RANK: readonly WorkspaceRole[] = ['owner', 'admin', 'member'];

/** Only owners make owners, or change what an owner is. */
export function canChangeRole(actor: WorkspaceRole, from: WorkspaceRole, to: WorkspaceRole): boolean {
  if (!isAdmin({ role: actor })) return false;
  if (from === 'owner' || to === 'owner') return actor === 'owner';
  return true;
}

/** Admins remove members and admins; only owners remove owners. */
export const canRemoveMember = (actor: WorkspaceRole, target: WorkspaceRole): boolean =>
  isAdmin({ role: actor }) && (target !== 'owner' || actor === 'owner');

/** Admins invite members and admins; only owners invite owners. */
export const canInviteAs = (actor: WorkspaceRole, role: WorkspaceRole): boolean =>
  isAdmin({ role: actor }) && (role !== 'owner' || actor === 'owner');

/** The roles this actor may hand out in an invitation. */
export const invitableRoles = (actor: WorkspaceRole): WorkspaceRole[] =>
  ROLES_BY_RANK.filter((role) => canInviteAs(actor, role));
