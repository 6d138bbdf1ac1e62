import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import type { Executor } from '@toolgate/db/config-outbox';
import { installations, registryEntries } from '@toolgate/db/schema';
import { and, eq, isNull, or, type SQL } from 'drizzle-orm';
import { isAdmin, type Actor } from './actor.ts';
import { maintainsTeam } from './team-access.ts';

type InstallationRow = typeof installations.$inferSelect;

/**
 * Another user's personal installation is private to them (and to owners/admins): to anyone
 * else it does not exist, like another tenant's.
 */
export const canSeeInstallation = (actor: Actor, row: InstallationRow): boolean =>
  row.scope !== 'personal' || isAdmin(actor) || (actor.userId !== null && row.userId === actor.userId);

/**
 * Changing an installation (editing, rotating, re-discovery, checks, deleting) is for admins, for
 * the maintainers of a team's installation's team, and for the owner of a personal one.
 */
export async function canManageInstallation(
  db: Executor,
  tenantId: string,
  actor: Actor,
  row: InstallationRow,
): Promise<boolean> {
  if (isAdmin(actor)) return true;
  if (row.scope === 'personal') return actor.userId !== null && row.userId === actor.userId;
  return row.scope === 'team' && row.teamId !== null && maintainsTeam(db, tenantId, actor, row.teamId);
}

/** FORBIDDEN unless the actor may manage the installation; `action` completes "only … may …". */
export async function requireInstallationManager(
  db: Executor,
  tenantId: string,
  actor: Actor,
  row: InstallationRow,
  action: string,
): Promise<void> {
  if (await canManageInstallation(db, tenantId, actor, row)) return;
  const who = row.scope === 'team' ? "owners, admins and the team's maintainers" : 'owners and admins';
  throw new AppError('FORBIDDEN', `Only ${who} may ${action}`);
}

export async function findVisibleInstallation(
  db: Database,
  tenantId: string,
  actor: Actor,
  installationId: string,
): Promise<InstallationRow> {
  const [row] = await db
    .select()
    .from(installations)
    .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)));
  if (!row || !canSeeInstallation(actor, row)) throw new AppError('NOT_FOUND', 'Installation not found');
  return row;
}

/** Registry entries the tenant may use: its own, and the built-in catalog's. */
export const usableEntries = (tenantId: string): SQL =>
  or(eq(registryEntries.tenantId, tenantId), isNull(registryEntries.tenantId))!;

/** A registry entry the tenant may use. */
export async function findUsableEntry(
  db: Database,
  tenantId: string,
  entryId: string,
): Promise<typeof registryEntries.$inferSelect> {
  const [row] = await db
    .select()
    .from(registryEntries)
    .where(and(eq(registryEntries.id, entryId), usableEntries(tenantId)));
  if (!row) throw new AppError('NOT_FOUND', `Registry entry ${entryId} not found`);
  return row;
}

/** Two installations of one entry in one place (org, a team, a user) are told apart by name. */
export const installationNameTaken = (entryName: string, name: string): AppError =>
  new AppError(
    'CONFLICT',
    `${entryName} is already installed here as "${name}"; give this installation another name`,
    {
      fields: [{ path: 'name', message: `"${name}" is taken by another installation of ${entryName} here` }],
    },
  );
