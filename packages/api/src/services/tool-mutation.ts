import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import type { Executor } from '@toolgate/db/config-outbox';
import { tools } from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { findVisibleInstallation, requireInstallationManager } from '../installation-access.ts';
import { deliverChanges, recordEntryChange } from '../invalidation.ts';
import type { Tool } from '../schemas/installations.ts';
import { toTool } from '../views/rows.ts';
import { insertActorAuditRow } from './audit-row.ts';

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
type ToolRow = typeof tools.$inferSelect;

/**
 * One write to the tenant's config that may make a registry entry's gateways stale: what it
 * returns, and the entry changed with the reason recorded, or a null reason when nothing changed
 * (then no change is recorded and no proxy is told).
 */
export interface EntryWrite<Row> {
  row: Row;
  entryId: string;
  reason: string | null;
}

/**
 * Runs `write` in one transaction, records the config change it reports in that transaction, and
 * delivers it to the proxies after the commit.
 */
export async function writeWithEntryChange<Row>(
  db: Database,
  bus: Bus,
  tenantId: string,
  write: (tx: Transaction) => Promise<EntryWrite<Row>>,
): Promise<Row> {
  const { row, recorded } = await db.transaction(async (tx) => {
    const { row, entryId, reason } = await write(tx);
    return { row, recorded: reason === null ? [] : await recordEntryChange(tx, tenantId, entryId, reason) };
  });
  await deliverChanges(db, bus, recorded);
  return row;
}

export interface InstallationToolTarget {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  installationId: string;
  toolId: string;
}

/**
 * Who may make a change: those who may manage the installation, or owners and admins only; the
 * text completes "only … may …".
 */
export type ToolMutationAccess = { manager: string } | { admin: string };

/** An audit log row for a change, written in its transaction (the caller is the actor). */
export interface ToolChangeAudit {
  method: string;
  occurredAt: Date;
  request: Record<string, unknown>;
  response: Record<string, unknown>;
}

/** What a mutation makes of the tool as it stands. */
export interface ToolChange {
  set: Partial<typeof tools.$inferInsert>;
  /** Recorded with the config change; null when the tool is left as it was (nothing recorded). */
  reason: string | null;
  /** Written when the change is recorded. */
  audit?: ToolChangeAudit;
}

async function insertAudit(
  tx: Executor,
  tenantId: string,
  actor: Actor,
  installationId: string,
  toolName: string,
  audit: ToolChangeAudit,
): Promise<void> {
  await insertActorAuditRow(tx, actor, {
    tenantId,
    occurredAt: audit.occurredAt,
    method: audit.method,
    toolName,
    installationId,
    status: 'ok',
    request: audit.request,
    response: audit.response,
  });
}

/**
 * Changes one tool of an installation the actor can see: checks `access`, locks the tool (within
 * the tenant and installation; a vanished tool is not shown, so not for changing either), applies
 * what `decide` makes of it, and records the change for the entry's gateways (and the audit row)
 * when there is one.
 */
export async function mutateInstallationTool(
  { db, bus, tenantId, actor, installationId, toolId }: InstallationToolTarget,
  access: ToolMutationAccess,
  decide: (current: ToolRow) => ToolChange,
): Promise<Tool> {
  const installation = await findVisibleInstallation(db, tenantId, actor, installationId);
  if ('admin' in access) requireAdmin(actor, access.admin);
  else await requireInstallationManager(db, tenantId, actor, installation, access.manager);
  const thisTool = and(
    eq(tools.tenantId, tenantId),
    eq(tools.installationId, installationId),
    eq(tools.id, toolId),
  );
  const row = await writeWithEntryChange(db, bus, tenantId, async (tx) => {
    const [current] = await tx
      .select()
      .from(tools)
      .where(and(thisTool, isNull(tools.vanishedAt)))
      .for('update');
    if (!current) throw new AppError('NOT_FOUND', 'Tool not found');
    const { set, reason, audit } = decide(current);
    const [updated] = await tx.update(tools).set(set).where(thisTool).returning();
    if (!updated) throw new AppError('NOT_FOUND', 'Tool not found');
    if (reason !== null && audit) await insertAudit(tx, tenantId, actor, installationId, current.name, audit);
    return { row: updated, entryId: installation.registryEntryId, reason };
  });
  return toTool(row);
}
