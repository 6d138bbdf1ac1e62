import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { tools } from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { requireInstallationManager, findVisibleInstallation } from '../installation-access.ts';
import { deliverChanges, recordEntryChange } from '../invalidation.ts';
import { ZSetEnabledRequest, type SetEnabledRequest, type Tool } from '../schemas/installations.ts';
import { parseInput } from '../validation.ts';
import { toTool } from '../views/rows.ts';

export interface SetToolEnabledOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  installationId: string;
  toolId: string;
  input: SetEnabledRequest;
}

/**
 * Turns one discovered tool on or off (who may manage the installation may do this). A disabled
 * tool is not listed or callable through any gateway; re-discovery keeps the choice.
 */
export async function setToolEnabled({
  db,
  bus,
  tenantId,
  actor,
  installationId,
  toolId,
  input,
}: SetToolEnabledOptions): Promise<Tool> {
  const { enabled } = parseInput(ZSetEnabledRequest, input);
  const installation = await findVisibleInstallation(db, tenantId, actor, installationId);
  await requireInstallationManager(db, tenantId, actor, installation, "change this installation's tools");
  const [current] = await db
    .select({ enabled: tools.enabled })
    .from(tools)
    .where(
      and(
        eq(tools.tenantId, tenantId),
        eq(tools.installationId, installationId),
        eq(tools.id, toolId),
        // A vanished tool is not shown, so not for changing either.
        isNull(tools.vanishedAt),
      ),
    );
  if (!current) throw new AppError('NOT_FOUND', 'Tool not found');
  const { row, recorded } = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(tools)
      .set({ enabled })
      .where(
        and(eq(tools.tenantId, tenantId), eq(tools.installationId, installationId), eq(tools.id, toolId)),
      )
      .returning();
    if (!updated) throw new AppError('NOT_FOUND', 'Tool not found');
    const reason = enabled ? 'tool enabled' : 'tool disabled';
    return {
      row: updated,
      recorded:
        current.enabled === enabled
          ? []
          : await recordEntryChange(tx, tenantId, installation.registryEntryId, reason),
    };
  });
  await deliverChanges(db, bus, recorded);
  return toTool(row);
}
