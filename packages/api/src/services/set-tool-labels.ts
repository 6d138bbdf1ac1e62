import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { tools } from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { findVisibleInstallation } from '../installation-access.ts';
import { deliverChanges, recordEntryChange } from '../invalidation.ts';
import type { Tool } from '../schemas/installations.ts';
import { ZSetToolLabelsRequest, type SetToolLabelsRequest } from '../schemas/policies.ts';
import { parseInput } from '../validation.ts';
import { toTool } from '../views/rows.ts';

export interface SetToolLabelsOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  installationId: string;
  toolId: string;
  input: SetToolLabelsRequest;
}

/**
 * Replaces the labels of one installation's tool (owners and admins: labels are what policies
 * read, and a tool resolved at call time may be defined by any installation of its server, a
 * member's personal one included, for every caller). Re-discovery keeps them; gateways exposing
 * the server are recompiled on every proxy.
 */
export async function setToolLabels({
  db,
  bus,
  tenantId,
  actor,
  installationId,
  toolId,
  input,
}: SetToolLabelsOptions): Promise<Tool> {
  const { labels } = parseInput(ZSetToolLabelsRequest, input);
  const installation = await findVisibleInstallation(db, tenantId, actor, installationId);
  requireAdmin(actor, 'label tools');
  const { row, recorded } = await db.transaction(async (tx) => {
    const [current] = await tx
      .select({ labels: tools.labels })
      .from(tools)
      .where(
        and(
          eq(tools.tenantId, tenantId),
          eq(tools.installationId, installationId),
          eq(tools.id, toolId),
          // A vanished tool is not shown, so not for labelling either.
          isNull(tools.vanishedAt),
        ),
      )
      .for('update');
    if (!current) throw new AppError('NOT_FOUND', 'Tool not found');
    const [updated] = await tx
      .update(tools)
      .set({ labels })
      .where(
        and(eq(tools.tenantId, tenantId), eq(tools.installationId, installationId), eq(tools.id, toolId)),
      )
      .returning();
    const unchanged = current.labels.join('\n') === labels.join('\n');
    return {
      row: updated!,
      recorded: unchanged
        ? []
        : await recordEntryChange(tx, tenantId, installation.registryEntryId, 'tool labels changed'),
    };
  });
  await deliverChanges(db, bus, recorded);
  return toTool(row);
}
