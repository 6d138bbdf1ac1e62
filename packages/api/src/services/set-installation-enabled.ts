import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installations } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import {
  requireInstallationManager,
  findUsableEntry,
  findVisibleInstallation,
} from '../installation-access.ts';
import { deliverChanges, recordEntryChange } from '../invalidation.ts';
import { ZSetEnabledRequest, type Installation, type SetEnabledRequest } from '../schemas/installations.ts';
import { requireStdioAllowed } from '../stdio-policy.ts';
import { parseInput } from '../validation.ts';
import { toInstallation } from '../views/rows.ts';

export interface SetInstallationEnabledOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  installationId: string;
  input: SetEnabledRequest;
  /** Re-enabling a local (stdio) installation is refused where stdio is switched off. */
  allowStdio?: boolean;
}

/**
 * Turns an installation on or off (owners and admins; the owner of a personal one). A disabled
 * installation serves no gateway: proxies drop their cached snapshots at once.
 */
export async function setInstallationEnabled({
  db,
  bus,
  tenantId,
  actor,
  installationId,
  input,
  allowStdio,
}: SetInstallationEnabledOptions): Promise<Installation> {
  const { enabled } = parseInput(ZSetEnabledRequest, input);
  const current = await findVisibleInstallation(db, tenantId, actor, installationId);
  await requireInstallationManager(db, tenantId, actor, current, 'turn this installation on or off');
  if (enabled) {
    const entry = await findUsableEntry(db, tenantId, current.registryEntryId);
    requireStdioAllowed(entry.transport, allowStdio);
  }
  const { row, recorded } = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(installations)
      .set({ enabled })
      .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)))
      .returning();
    if (!updated) throw new AppError('NOT_FOUND', 'Installation not found');
    const reason = enabled ? 'installation enabled' : 'installation disabled';
    return {
      row: updated,
      recorded:
        current.enabled === enabled
          ? []
          : await recordEntryChange(tx, tenantId, updated.registryEntryId, reason),
    };
  });
  await deliverChanges(db, bus, recorded);
  return toInstallation(row);
}
