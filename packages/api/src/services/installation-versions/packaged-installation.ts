import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installations, type registryEntries } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../../actor.ts';
import {
  findUsableEntry,
  findVisibleInstallation,
  requireInstallationManager,
} from '../../installation-access.ts';
import { deliverChanges, recordEntryChange } from '../../invalidation.ts';
import type { Installation } from '../../schemas/installations.ts';
import { toInstallation } from '../../views/rows.ts';
import { insertActorAuditRow } from '../audit-row.ts';
import { fetchRegistryVersions, type NpmRegistryOptions } from './npm-registry.ts';

export type InstallationRow = typeof installations.$inferSelect;
export type EntryRow = typeof registryEntries.$inferSelect;

/** What every version service takes. */
export interface InstallationVersionOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  installationId: string;
  /** The npm registry versions are looked up in (default registry.npmjs.org). */
  npm?: NpmRegistryOptions;
}

export interface PackagedInstallation {
  row: InstallationRow;
  entry: EntryRow & { package: string };
}

/**
 * An installation of a packaged self-hosted entry the actor can see (and, with `action`, manage);
 * CONFLICT for an installation of any other entry: its version is not Toolgate's to choose.
 */
export async function findPackagedInstallation(
  { db, tenantId, actor, installationId }: InstallationVersionOptions,
  action?: string,
): Promise<PackagedInstallation> {
  const row = await findVisibleInstallation(db, tenantId, actor, installationId);
  if (action) await requireInstallationManager(db, tenantId, actor, row, action);
  const entry = await findUsableEntry(db, tenantId, row.registryEntryId);
  if (entry.transport !== 'stdio' || !entry.package)
    throw new AppError(
      'CONFLICT',
      `${entry.name} is not a packaged self-hosted server: the version it runs cannot be pinned, and it cannot run a canary`,
      { reason: 'not_packaged' },
    );
  return { row, entry: { ...entry, package: entry.package } };
}

/** The version the stable variant runs: the pinned one, else the entry's, else the one last started. */
export const stableVersionOf = ({ row, entry }: PackagedInstallation): string | null =>
  row.pinnedVersion ?? entry.version ?? row.packageVersion;

/** INVALID (on `version`) unless the registry offers exactly this version of the package. */
export async function requireOffered(
  packageName: string,
  version: string,
  npm: NpmRegistryOptions | undefined,
): Promise<void> {
  const { versions } = await fetchRegistryVersions(packageName, npm);
  if (versions.some((v) => v.version === version)) return;
  const message = `the npm registry offers no version ${version} of ${packageName}`;
  throw new AppError('INVALID', `version: ${message}`, { fields: [{ path: 'version', message }] });
}

export interface VersionChange {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  installationId: string;
  /** Re-checks the locked row (another admin may have changed it meanwhile); throws CONFLICT. */
  check(current: InstallationRow): void;
  /** The new values, from the locked row. */
  set(
    current: InstallationRow,
  ): Partial<Pick<InstallationRow, 'pinnedVersion' | 'canaryVersion' | 'canaryPercent' | 'canaryStartedAt'>>;
  /** `installation/pin-version`, `installation/canary-start`, … */
  method: string;
  /** What the audit event keeps (from/to, the canary). */
  audit(current: InstallationRow): Record<string, unknown>;
  /** Why gateways recompile. */
  reason: string;
}

/**
 * Changes an installation's pinned version or canary in one transaction, under its row lock: the
 * check against the locked row, the update, its audit event, and the change every gateway using the
 * entry must see (proxies recompile their snapshots and route callers anew once it is delivered).
 */
export async function applyVersionChange(change: VersionChange): Promise<Installation> {
  const { db, bus, tenantId, installationId } = change;
  const where = and(eq(installations.tenantId, tenantId), eq(installations.id, installationId));
  const { row, recorded } = await db.transaction(async (tx) => {
    const [current] = await tx.select().from(installations).where(where).for('update');
    if (!current) throw new AppError('NOT_FOUND', 'Installation not found');
    change.check(current);
    const [updated] = await tx.update(installations).set(change.set(current)).where(where).returning();
    if (!updated) throw new AppError('NOT_FOUND', 'Installation not found');
    await insertActorAuditRow(tx, change.actor, {
      tenantId,
      occurredAt: new Date(),
      method: change.method,
      installationId,
      status: 'ok',
      response: change.audit(current),
    });
    return {
      row: updated,
      recorded: await recordEntryChange(tx, tenantId, updated.registryEntryId, change.reason),
    };
  });
  await deliverChanges(db, bus, recorded);
  return toInstallation(row);
}
