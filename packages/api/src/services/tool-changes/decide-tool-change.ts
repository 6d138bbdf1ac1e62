import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installations, tools } from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../../actor.ts';
import { deliverChanges, recordEntryChange } from '../../invalidation.ts';
import { toIso } from '../../schemas/common.ts';
import {
  ZDecideToolChangeRequest,
  type DecideToolChangeRequest,
  type ToolChangeDecision,
} from '../../schemas/tool-changes.ts';
import { parseInput } from '../../validation.ts';
import { recordToolChangeDecision } from './tool-change-audit.ts';
import { selectToolChangeRows, toToolChange } from './tool-change-view.ts';
import { changeWaits, recordedDefinition } from './tool-definition.ts';

export interface DecideToolChangeOptions extends DecideToolChangeRequest {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  /** The tool's id (a change is its tool's). */
  id: string;
  now?: Date;
}

const notFound = () => new AppError('NOT_FOUND', 'Tool change not found');

/**
 * Approves or rejects a tool's changed (or new) definition (owners and admins). Approved, clients
 * are served the definition the upstream lists now; rejected, they keep being served the approved
 * one (a new tool stays unlisted) and discoveries listing that same definition raise nothing new,
 * while a later, different one waits again. A rejected change may still be approved. Given the
 * `pendingHash` reviewed, a tool changed again since is a CONFLICT, not a decision on an unseen
 * definition. Audited in the same transaction; gateways using the server are invalidated after.
 */
export async function decideToolChange({
  db,
  bus,
  tenantId,
  actor,
  id,
  now = new Date(),
  ...input
}: DecideToolChangeOptions): Promise<ToolChangeDecision> {
  requireAdmin(actor, 'approve or reject tool changes');
  const { decision, note, pendingHash } = parseInput(ZDecideToolChangeRequest, {
    decision: input.decision,
    note: input.note,
    pendingHash: input.pendingHash,
  });

  const { changes, decided } = await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ tool: tools, entryId: installations.registryEntryId })
      .from(tools)
      .innerJoin(
        installations,
        and(eq(installations.id, tools.installationId), eq(installations.tenantId, tenantId)),
      )
      // A vanished tool has nothing listed to decide on.
      .where(and(eq(tools.tenantId, tenantId), eq(tools.id, id), isNull(tools.vanishedAt)))
      .for('update', { of: tools });
    if (!row) throw notFound();
    const { tool } = row;
    if (tool.pendingSince === null)
      throw new AppError(
        'CONFLICT',
        `${tool.name} has no change to decide: clients are served what the server lists`,
        {
          reason: 'no_change',
        },
      );
    if (pendingHash !== undefined && pendingHash !== tool.schemaHash)
      throw new AppError(
        'CONFLICT',
        `The server changed ${tool.name} again since this was reviewed; review its new definition`,
        { reason: 'changed_again', pendingHash: tool.schemaHash },
      );
    if (decision === 'reject' && !changeWaits(tool))
      throw new AppError('CONFLICT', `This change of ${tool.name} was already rejected`, {
        reason: 'decided',
      });

    const [view] = await selectToolChangeRows(tx, tenantId, eq(tools.id, tool.id));
    const reviewed = toToolChange(view!);
    await tx
      .update(tools)
      .set(
        decision === 'approve'
          ? {
              approvedHash: tool.schemaHash,
              approvedDefinition: recordedDefinition(tool),
              pendingSince: null,
              rejectedHash: null,
              updatedAt: now,
            }
          : { rejectedHash: tool.schemaHash, updatedAt: now },
      )
      .where(and(eq(tools.tenantId, tenantId), eq(tools.id, tool.id)));
    await recordToolChangeDecision(tx, actor, {
      tenantId,
      installationId: tool.installationId,
      toolId: tool.id,
      toolName: tool.name,
      kind: reviewed.kind,
      decision,
      note,
      approvedHash: tool.approvedHash,
      pendingHash: tool.schemaHash,
      at: now,
    });
    return {
      changes: await recordEntryChange(
        tx,
        tenantId,
        row.entryId,
        decision === 'approve' ? 'tool change approved' : 'tool change rejected',
      ),
      decided: reviewed,
    };
  });
  await deliverChanges(db, bus, changes);

  return {
    id: decided.id,
    outcome: decision === 'approve' ? 'approved' : 'rejected',
    note,
    decidedAt: toIso(now),
    toolChange: decided,
    served: decision === 'approve' ? decided.pending : decided.approved,
  };
}
