import type { Executor } from '@toolgate/db/config-outbox';
import type { Actor } from '../../actor.ts';
import type { ToolPinningSettings } from '../../schemas/tool-changes.ts';
import { insertActorAuditRow } from '../audit-row.ts';

export const TOOL_CHANGE_DECIDE_METHOD = 'tool-change/decide';
export const TOOL_PINNING_SETTINGS_METHOD = 'settings/tool-pinning';

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
  await insertActorAuditRow(db, actor, {
    tenantId: event.tenantId,
    occurredAt: event.at,
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

/**
 * Records a change of the workspace's tool-pinning settings in the audit log, in the transaction
 * that saves it: who changed them, the request, and `{ before, after }` (both settings, so a row
 * reads on its own). Written like decisions, straight into `audit_events`.
 */
export async function recordToolPinningSettingsChange(
  db: Executor,
  actor: Actor,
  event: {
    tenantId: string;
    /** What was asked to change. */
    requested: Partial<ToolPinningSettings>;
    before: ToolPinningSettings;
    after: ToolPinningSettings;
    at: Date;
  },
): Promise<void> {
  await insertActorAuditRow(db, actor, {
    tenantId: event.tenantId,
    occurredAt: event.at,
    method: TOOL_PINNING_SETTINGS_METHOD,
    status: 'ok',
    request: { ...event.requested },
    response: { before: { ...event.before }, after: { ...event.after } },
  });
}
