import { randomUUID } from 'node:crypto';
import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { auditEvents, tools } from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { findVisibleInstallation, requireInstallationManager } from '../installation-access.ts';
import { deliverChanges, recordEntryChange } from '../invalidation.ts';
import { ZSetToolLimitRequest, type SetToolLimitRequest, type Tool } from '../schemas/installations.ts';
import { parseInput } from '../validation.ts';
import { toTool } from '../views/rows.ts';
import { actorPrincipal } from './connections/connection-audit.ts';

/** The audit log's method for a change of a tool's call limit. */
export const TOOL_LIMIT_METHOD = 'tool/set-limit';

export interface SetToolLimitOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  installationId: string;
  toolId: string;
  input: SetToolLimitRequest;
  /** When the change happens (tests pass one). */
  now?: Date;
}

/**
 * Sets or removes (null) the limit on calls to one tool of an installation: calls per minute
 * through this installation, all callers together, which every proxy enforces from the gateway
 * snapshot. Those who may manage the installation may do this, as for turning the tool off. A
 * change is audited (before and after) and recompiles the gateways exposing the server, so
 * proxies apply it at once; re-discovery keeps it.
 */
export async function setToolLimit({
  db,
  bus,
  tenantId,
  actor,
  installationId,
  toolId,
  input,
  now = new Date(),
}: SetToolLimitOptions): Promise<Tool> {
  const { callsPerMinute } = parseInput(ZSetToolLimitRequest, input);
  const installation = await findVisibleInstallation(db, tenantId, actor, installationId);
  await requireInstallationManager(db, tenantId, actor, installation, "change this installation's tools");
  const { row, recorded } = await db.transaction(async (tx) => {
    const [current] = await tx
      .select({ name: tools.name, callsPerMinute: tools.callsPerMinute })
      .from(tools)
      .where(
        and(
          eq(tools.tenantId, tenantId),
          eq(tools.installationId, installationId),
          eq(tools.id, toolId),
          // A vanished tool is not shown, so not for limiting either.
          isNull(tools.vanishedAt),
        ),
      )
      .for('update');
    if (!current) throw new AppError('NOT_FOUND', 'Tool not found');
    const [updated] = await tx
      .update(tools)
      .set({ callsPerMinute })
      .where(
        and(eq(tools.tenantId, tenantId), eq(tools.installationId, installationId), eq(tools.id, toolId)),
      )
      .returning();
    if (current.callsPerMinute === callsPerMinute) return { row: updated!, recorded: [] };
    const { principalId, authMethod } = actorPrincipal(actor);
    await tx.insert(auditEvents).values({
      id: randomUUID(),
      tenantId,
      occurredAt: now,
      principalType: principalId ? principalId.slice(0, principalId.indexOf(':')) : null,
      principalId,
      authMethod,
      method: TOOL_LIMIT_METHOD,
      toolName: current.name,
      installationId,
      status: 'ok',
      request: { toolId, callsPerMinute },
      response: { before: { callsPerMinute: current.callsPerMinute }, after: { callsPerMinute } },
    });
    const reason = callsPerMinute === null ? 'tool limit removed' : 'tool limit changed';
    return {
      row: updated!,
      recorded: await recordEntryChange(tx, tenantId, installation.registryEntryId, reason),
    };
  });
  await deliverChanges(db, bus, recorded);
  return toTool(row);
}
