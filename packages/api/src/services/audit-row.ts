import { randomUUID } from 'node:crypto';
import type { Executor } from '@toolgate/db/config-outbox';
import { auditEvents } from '@toolgate/db/schema';
import type { Actor } from '../actor.ts';

/**
 * Who a control-plane audit row names: the principal (`user:…`, `token:…`, `stripe:evt_…`), how
 * it authenticated, and its type, which is the part of the id before the colon unless given.
 * An absent `authMethod` leaves the column to its default, as a row that never names one.
 */
export interface AuditPrincipal {
  principalId: string | null;
  authMethod?: string | null;
  principalType?: string;
}

/** Who an actor is in the audit log, as the proxy names callers. */
export function actorPrincipal(actor: Actor): { principalId: string | null; authMethod: string | null } {
  if (actor.tokenId) return { principalId: `token:${actor.tokenId}`, authMethod: 'api_token' };
  return { principalId: actor.userId ? `user:${actor.userId}` : null, authMethod: null };
}

/** The columns a caller fills; the row's id and principal columns are the helper's. */
export type AuditRowValues = Omit<
  typeof auditEvents.$inferInsert,
  'id' | 'principalType' | 'principalId' | 'authMethod'
>;

/**
 * Writes one control-plane audit row straight into `audit_events`: such rows are not calls through
 * a gateway, so they skip the usage queue and never count in usage rollups. Pass the transaction
 * that saves the change, so the row commits (or not) with it.
 */
export async function insertAuditRow(
  db: Executor,
  principal: AuditPrincipal,
  values: AuditRowValues,
): Promise<void> {
  const { principalId } = principal;
  await db.insert(auditEvents).values({
    ...values,
    id: randomUUID(),
    principalType:
      principal.principalType ?? (principalId ? principalId.slice(0, principalId.indexOf(':')) : null),
    principalId,
    authMethod: principal.authMethod,
  });
}

/** The same, for a row whose principal is the actor who made the change. */
export const insertActorAuditRow = (db: Executor, actor: Actor, values: AuditRowValues): Promise<void> =>
  insertAuditRow(db, actorPrincipal(actor), values);
