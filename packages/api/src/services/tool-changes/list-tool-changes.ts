import type { Database } from '@toolgate/db/client';
import { tools } from '@toolgate/db/schema';
import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { isAdmin, requireAdmin, type Actor } from '../../actor.ts';
import {
  ZListToolChangesQuery,
  type ListToolChangesQuery,
  type ToolChange,
} from '../../schemas/tool-changes.ts';
import { parseInput } from '../../validation.ts';
import { selectToolChangeRows, toToolChange } from './tool-change-view.ts';

export interface ListToolChangesOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  status?: ListToolChangesQuery['status'];
}

/**
 * Changes waiting for review: recorded, and not the definition an admin rejected. A vanished tool's
 * change is not listed: nothing would serve it; if the tool comes back, discovery compares again.
 */
const waiting = and(
  isNotNull(tools.pendingSince),
  isNull(tools.vanishedAt),
  sql`${tools.rejectedHash} is distinct from ${tools.schemaHash}`,
);
const rejected = and(
  isNotNull(tools.pendingSince),
  isNull(tools.vanishedAt),
  sql`${tools.rejectedHash} = ${tools.schemaHash}`,
);

/**
 * Tools whose upstream definition differs from the one clients are served, oldest first (owners
 * and admins): `pending` ones wait for review; `rejected` ones were refused and are still not served.
 */
export async function listToolChanges({
  db,
  tenantId,
  actor,
  status,
}: ListToolChangesOptions): Promise<ToolChange[]> {
  requireAdmin(actor, 'review tool changes');
  const query = parseInput(ZListToolChangesQuery, { status });
  const rows = await selectToolChangeRows(db, tenantId, query.status === 'rejected' ? rejected : waiting);
  return rows.map(toToolChange);
}

/** How many changes wait for review (owners and admins; 0 for others): the navigation badge. */
export async function countPendingToolChanges({
  db,
  tenantId,
  actor,
}: Omit<ListToolChangesOptions, 'status'>): Promise<number> {
  if (!isAdmin(actor)) return 0;
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(tools)
    .where(and(eq(tools.tenantId, tenantId), waiting));
  return row?.count ?? 0;
}
