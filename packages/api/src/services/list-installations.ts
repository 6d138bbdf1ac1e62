import type { Database } from '@toolgate/db/client';
import { installations, tools } from '@toolgate/db/schema';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { canSeeInstallation } from '../installation-access.ts';
import type { Installation, Tool } from '../schemas/installations.ts';
import { toInstallation, toTool } from '../views/rows.ts';

export interface ListInstallationsOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
}

export interface InstallationWithTools {
  installation: Installation;
  tools: Tool[];
}

/**
 * The tenant's installations the caller can see (org and team ones, and their own personal
 * ones; owners and admins see all), each with the tools discovery recorded for it.
 */
export async function listInstallations({
  db,
  tenantId,
  actor,
}: ListInstallationsOptions): Promise<InstallationWithTools[]> {
  const rows = (
    await db
      .select()
      .from(installations)
      .where(eq(installations.tenantId, tenantId))
      .orderBy(asc(installations.name), asc(installations.createdAt))
  ).filter((row) => canSeeInstallation(actor, row));
  if (rows.length === 0) return [];
  const toolRows = await db
    .select()
    .from(tools)
    .where(
      and(
        eq(tools.tenantId, tenantId),
        inArray(
          tools.installationId,
          rows.map((r) => r.id),
        ),
      ),
    )
    .orderBy(asc(tools.name));
  return rows.map((row) => ({
    installation: toInstallation(row),
    tools: toolRows.filter((t) => t.installationId === row.id).map(toTool),
  }));
}
