import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { auditEvents } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { UUID_PATTERN } from '../schemas/common.ts';
import type { LogEvent } from '../schemas/usage.ts';
import { loadUsageLabels } from '../usage/usage-labels.ts';
import { auditEventVisible, visibleCalls } from '../usage/usage-query.ts';
import { logEntryColumns, toLogEntry } from './list-audit-events.ts';

export interface GetAuditEventOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  eventId: string;
}

/**
 * One call of the audit log with its (redacted) request and response. Another tenant's event,
 * and for members someone else's call, is NOT_FOUND like one that never was.
 */
export async function getAuditEvent({
  db,
  tenantId,
  actor,
  eventId,
}: GetAuditEventOptions): Promise<LogEvent> {
  const notFound = new AppError('NOT_FOUND', `No call with id "${eventId}"`);
  if (!UUID_PATTERN.test(eventId)) throw notFound;
  const visible = await visibleCalls(db, tenantId, actor);
  const e = auditEvents;
  const [row] = await db
    .select({
      ...logEntryColumns,
      requestId: e.requestId,
      traceId: e.traceId,
      sessionId: e.sessionId,
      principalType: e.principalType,
      request: e.request,
      response: e.response,
    })
    .from(e)
    .where(and(auditEventVisible(tenantId, visible), eq(e.id, eventId.toLowerCase())));
  if (!row) throw notFound;
  const labels = await loadUsageLabels(db, tenantId, {
    gateways: [row.gatewayId],
    servers: [row.installationId],
    callers: [row.principalId],
    agents: [row.agent],
  });
  return {
    ...toLogEntry(row, labels),
    requestId: row.requestId,
    traceId: row.traceId,
    sessionId: row.sessionId,
    principalType: row.principalType,
    policyOutcome: row.policyOutcome,
    request: row.request ?? null,
    response: row.response ?? null,
  };
}
