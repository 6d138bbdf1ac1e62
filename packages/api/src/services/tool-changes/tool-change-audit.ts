import { randomUUID } from 'node:crypto';
import type { Executor } from '@toolgate/db/config-outbox';
import { auditEvents } from '@toolgate/db/schema';
import type { Actor } from '../../actor.ts';
import { actorPrincipal } from '../connections/connection-audit.ts';

export const TOOL_CHANGE_DECIDE_METHOD = 'tool-change/decide';

export interface ToolChangeDecisionEvent {
  tenantId: string;
  installationId: string;
  toolId: string;
  toolName: string;
  kind: 'new' | 'changed';
  decision: 'approve' | 'reject';
  note: string;
  /** The definition hash served before the decision (null for a new tool) and the one decided on. */
  approvedHash: string | null;
  pendingHash: string;
  at: Date;
}

/**
 * Records a decision on a tool change in the audit log, in the transaction that applies it: who
 * decided (the principal), on which installation and tool, and `{ decision, note, kind, … }`.
 * Written straight into `audit_events` like approval decisions: not a call through a gateway, so
 * it must not count in usage rollups.
 */
export async function recordToolChangeDecision(
  db: Executor,
  actor: Actor,
  event: ToolChangeDecisionEvent,
): Promise<void> {
  const { principalId, authMethod } = actorPrincipal(actor);
  await db.insert(auditEvents).values({
    id: randomUUID(),
    tenantId: event.tenantId,
    occurredAt: event.at,
    principalType: principalId ? principalId.slice(0, principalId.indexOf(':')) : null,
    principalId,
    authMethod,
    method: TOOL_CHANGE_DECIDE_METHOD,
    toolName: event.toolName,
    installationId: event.installationId,
    status: 'ok',
    response: {
      decision: event.decision,
      note: event.note,
      kind: event.kind,
      tool: event.toolName,
      toolId: event.toolId,
      approvedHash: event.approvedHash,
      pendingHash: event.pendingHash,
    },
  });
}
