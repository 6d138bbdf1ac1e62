import type { Bus } from '@toolgate/bus';
import { openString, seal, type KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installations, registryEntries } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import {
  requireInstallationManager,
  findVisibleInstallation,
  installationNameTaken,
} from '../installation-access.ts';
import { deliverChanges, recordEntryChange } from '../invalidation.ts';
import { isUniqueViolation } from '../pg-errors.ts';
import {
  ZUpdateInstallationRequest,
  type Installation,
  type UpdateInstallationRequest,
} from '../schemas/installations.ts';
import { credentialsAad } from '../upstream/discovery-target.ts';
import { describeIssues, parseInput, type FieldIssue } from '../validation.ts';
import { toInstallation } from '../views/rows.ts';

export interface UpdateInstallationOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  installationId: string;
  input: UpdateInstallationRequest;
  /** Opens the stored secret values and seals the new ones. */
  secretKeys?: KeyRing;
}

/**
 * Renames an installation and/or replaces install-field values. Secret values are sealed anew
 * (a fresh IV; the old ciphertext is overwritten, not kept); every proxy drops its snapshot and
 * its pooled upstream session for the old credential on the next request, once the change is
 * delivered. Who may: as for every change to an installation (owners and admins; a user for
 * their personal ones).
 */
export async function updateInstallation({
  db,
  bus,
  tenantId,
  actor,
  installationId,
  input,
  secretKeys,
}: UpdateInstallationOptions): Promise<Installation> {
  const patch = parseInput(ZUpdateInstallationRequest, input);
  const current = await findVisibleInstallation(db, tenantId, actor, installationId);
  await requireInstallationManager(db, tenantId, actor, current, 'change this installation');
  const [entry] = await db
    .select({ name: registryEntries.name, installFields: registryEntries.installFields })
    .from(registryEntries)
    .where(eq(registryEntries.id, current.registryEntryId));
  if (!entry) throw new AppError('NOT_FOUND', 'Registry entry not found');

  let config = current.config;
  let credentialsSealed = current.credentialsSealed;
  if (patch.values) {
    const fields = new Map(entry.installFields.map((f) => [f.key, f]));
    const issues: FieldIssue[] = [];
    for (const [key, value] of Object.entries(patch.values)) {
      const field = fields.get(key);
      if (!field) issues.push({ path: `values.${key}`, message: `"${entry.name}" has no field "${key}"` });
      else if (field.required && value === '')
        issues.push({ path: `values.${key}`, message: `${field.label} is required` });
    }
    if (issues.length > 0) throw new AppError('INVALID', describeIssues(issues), { fields: issues });
    const secretUpdates = Object.entries(patch.values).filter(([key]) => fields.get(key)?.secret);
    config = { ...config };
    for (const [key, value] of Object.entries(patch.values)) {
      if (fields.get(key)?.secret) continue;
      if (value === '') delete config[key];
      else config[key] = value;
    }
    if (secretUpdates.length > 0) {
      if (!secretKeys) throw new AppError('UNAVAILABLE', 'This server has no secret keys configured');
      const aad = credentialsAad(current.id);
      const secrets = current.credentialsSealed
        ? (JSON.parse(openString(secretKeys, current.credentialsSealed, aad)) as Record<string, string>)
        : {};
      for (const [key, value] of secretUpdates) {
        if (value === '') delete secrets[key];
        else secrets[key] = value;
      }
      credentialsSealed =
        Object.keys(secrets).length > 0 ? seal(secretKeys, JSON.stringify(secrets), aad) : null;
    }
  }

  let row: typeof installations.$inferSelect;
  let recorded: Awaited<ReturnType<typeof recordEntryChange>>;
  try {
    ({ row, recorded } = await db.transaction(async (tx) => {
      const [updated] = await tx
        .update(installations)
        .set({ name: patch.name ?? current.name, config, credentialsSealed })
        .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)))
        .returning();
      if (!updated) throw new AppError('NOT_FOUND', 'Installation not found');
      const reason = patch.values ? 'installation credentials changed' : 'installation renamed';
      return {
        row: updated,
        recorded: await recordEntryChange(tx, tenantId, updated.registryEntryId, reason),
      };
    }));
  } catch (err) {
    if (isUniqueViolation(err)) throw installationNameTaken(entry.name, patch.name ?? current.name);
    throw err;
  }
  await deliverChanges(db, bus, recorded);
  return toInstallation(row);
}
