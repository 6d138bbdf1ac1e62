import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import type { Executor } from '@toolgate/db/config-outbox';
import { apiTokens, memberships, teamMembers, teams, users, type TeamRole } from '@toolgate/db/schema';
import { and, asc, eq } from 'drizzle-orm';
import { isAdmin, type Actor } from './actor.ts';
import { actorTeamIds } from './gateway-access.ts';
import { toIso } from './schemas/common.ts';
import type { TeamMember } from './schemas/team-members.ts';
import { actorRoleNow, type Tx } from './workspace-lock.ts';

/**
 * Who may see and manage a team. Owners and admins: every team of the workspace. A team's
 * maintainers manage its membership. Everyone else reads the teams they act for (a user's own
 * teams, a team token's team) and nothing more: to them other teams do not exist, like another
 * workspace's.
 */

type TeamRow = typeof teams.$inferSelect;

export const TEAM_NOT_FOUND = 'Team not found';
export const ONLY_MANAGERS = "Only owners, admins and the team's maintainers may manage its members";

async function teamRow(db: Executor, tenantId: string, teamId: string, lock = false): Promise<TeamRow> {
  const query = db
    .select()
    .from(teams)
    .where(and(eq(teams.tenantId, tenantId), eq(teams.id, teamId)));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw new AppError('NOT_FOUND', TEAM_NOT_FOUND);
  return row;
}

/** A team the actor may read; invisible and foreign teams are alike NOT_FOUND. */
export async function findVisibleTeam(
  db: Database,
  tenantId: string,
  actor: Actor,
  teamId: string,
): Promise<TeamRow> {
  const row = await teamRow(db, tenantId, teamId);
  if (!isAdmin(actor) && !(await actorTeamIds(db, tenantId, actor)).includes(teamId))
    throw new AppError('NOT_FOUND', TEAM_NOT_FOUND);
  return row;
}

/** A user's role in a team; null when they are not in it. */
export async function teamRoleOf(
  db: Executor,
  tenantId: string,
  teamId: string,
  userId: string,
): Promise<TeamRole | null> {
  const [row] = await db
    .select({ role: teamMembers.role })
    .from(teamMembers)
    .where(
      and(eq(teamMembers.tenantId, tenantId), eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)),
    );
  return row?.role ?? null;
}

/** Whether the actor is a maintainer of the team (a user's team role; tokens maintain nothing). */
export async function maintainsTeam(
  db: Executor,
  tenantId: string,
  actor: Actor,
  teamId: string,
): Promise<boolean> {
  return actor.userId !== null && (await teamRoleOf(db, tenantId, teamId, actor.userId)) === 'maintainer';
}

/**
 * For objects of a team (its installations and tokens): owners and admins, and the team's
 * maintainers. Anyone else is FORBIDDEN whether or not the team exists, so the answer reveals
 * nothing; `action` completes "only … may …".
 */
export async function requireTeamMaintainer(
  db: Executor,
  tenantId: string,
  actor: Actor,
  teamId: string,
  action: string,
): Promise<void> {
  if (isAdmin(actor) || (await maintainsTeam(db, tenantId, actor, teamId))) return;
  throw new AppError('FORBIDDEN', `Only owners, admins and the team's maintainers may ${action}`);
}

/**
 * Inside the workspace lock, against current roles: whether the actor may manage the team's
 * membership (the team row is locked for the rest of the transaction). NOT_FOUND when the actor
 * may not even see the team; FORBIDDEN when they see it but may not manage it, unless `allowSelf`
 * names the actor (leaving a team).
 */
export async function requireTeamManager(
  tx: Tx,
  tenantId: string,
  actor: Actor,
  teamId: string,
  allowSelf?: string,
): Promise<void> {
  const role = await actorRoleNow(tx, tenantId, actor);
  await teamRow(tx, tenantId, teamId, true);
  if (isAdmin({ ...actor, role })) return;
  const teamRole = actor.userId ? await teamRoleOf(tx, tenantId, teamId, actor.userId) : null;
  if (teamRole === 'maintainer') return;
  const seesTeam = teamRole !== null || (await tokenTeamId(tx, tenantId, actor)) === teamId;
  if (!seesTeam) throw new AppError('NOT_FOUND', TEAM_NOT_FOUND);
  if (allowSelf !== undefined && allowSelf === actor.userId) return;
  throw new AppError('FORBIDDEN', ONLY_MANAGERS);
}

/** The team of a team token acting for no user; null for anyone else. */
async function tokenTeamId(db: Executor, tenantId: string, actor: Actor): Promise<string | null> {
  if (actor.userId || !actor.tokenId) return null;
  const [token] = await db
    .select({ teamId: apiTokens.teamId })
    .from(apiTokens)
    .where(and(eq(apiTokens.tenantId, tenantId), eq(apiTokens.id, actor.tokenId)));
  return token?.teamId ?? null;
}

const memberColumns = {
  userId: users.id,
  name: users.name,
  email: users.email,
  role: teamMembers.role,
  workspaceRole: memberships.role,
  addedAt: teamMembers.createdAt,
};

/**
 * A team's members, by name then email. The join on memberships keeps out anyone who is no longer
 * in the workspace (removal deletes both in one transaction; this holds even if a writer did not).
 */
export async function selectTeamMembers(
  db: Executor,
  tenantId: string,
  teamId: string,
  userId?: string,
): Promise<TeamMember[]> {
  const rows = await db
    .select(memberColumns)
    .from(teamMembers)
    .innerJoin(users, eq(users.id, teamMembers.userId))
    .innerJoin(
      memberships,
      and(eq(memberships.tenantId, teamMembers.tenantId), eq(memberships.userId, teamMembers.userId)),
    )
    .where(
      and(
        eq(teamMembers.tenantId, tenantId),
        eq(teamMembers.teamId, teamId),
        userId ? eq(teamMembers.userId, userId) : undefined,
      ),
    )
    .orderBy(asc(users.name), asc(users.email));
  return rows.map((r) => ({ ...r, addedAt: toIso(r.addedAt) }));
}
