import type { AppRouter } from '@toolgate/api/trpc/root';
import type { inferRouterOutputs } from '@trpc/server';

export type Connection = inferRouterOutputs<AppRouter>['connections']['list'][number];

/** "You", "Ana Lima", "Team: Design", "Organization": whose account a connection is. */
export function whoseLabel(
  c: Pick<Connection, 'scope' | 'teamId' | 'userId'>,
  userId: string,
  teamNames: ReadonlyMap<string, string>,
  memberNames: ReadonlyMap<string, string>,
): string {
  if (c.scope === 'org') return 'Organization';
  if (c.scope === 'team') return `Team: ${(c.teamId && teamNames.get(c.teamId)) ?? 'unknown team'}`;
  if (c.userId === userId) return 'You';
  return (c.userId && memberNames.get(c.userId)) ?? 'A former member';
}

/** "your account", "the Design team's account", "the organization's account": for sentences. */
export function whoseAccount(
  c: Pick<Connection, 'scope' | 'teamId' | 'userId'>,
  userId: string,
  teamNames: ReadonlyMap<string, string>,
  memberNames: ReadonlyMap<string, string>,
): string {
  if (c.scope === 'org') return "the organization's account";
  if (c.scope === 'team') {
    const team = c.teamId && teamNames.get(c.teamId);
    return team ? `the ${team} team's account` : "a team's account";
  }
  if (c.userId === userId) return 'your account';
  const member = c.userId && memberNames.get(c.userId);
  return member ? `${member}'s account` : "a member's account";
}

/**
 * Whether the caller may reconnect or disconnect it, as the services decide: owners and admins any,
 * a team's maintainers the team's (`maintained`), everyone their own.
 */
/** Only its own member may sign a personal account in again; others manage the rest. */
export const canReconnectConnection = (
  c: Pick<Connection, 'scope' | 'teamId' | 'userId'>,
  isAdmin: boolean,
  userId: string,
  maintained: ReadonlySet<string>,
): boolean =>
  c.scope === 'personal' ? c.userId === userId : canManageConnection(c, isAdmin, userId, maintained);

export const canManageConnection = (
  c: Pick<Connection, 'scope' | 'teamId' | 'userId'>,
  isAdmin: boolean,
  userId: string,
  maintained: ReadonlySet<string>,
): boolean =>
  isAdmin ||
  (c.scope === 'personal' && c.userId === userId) ||
  (c.scope === 'team' && c.teamId !== null && maintained.has(c.teamId));
