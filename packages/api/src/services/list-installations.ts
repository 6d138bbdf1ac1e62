import type { Database } from '@toolgate/db/client';
import { installations, tools } from '@toolgate/db/schema';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { canSeeInstallation } from '../installation-access.ts';
import { installationPrompts } from '../installation-prompts.ts';
import type { Installation, Prompt, Tool } from '../schemas/installations.ts';
import { toInstallation, toTool } from '../views/rows.ts';

export interface ListInstallationsOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
}

export interface InstallationWithTools {
  installation: Installation;
  tools: Tool[];
  prompts: Prompt[];
}

/**
 * The tenant's installations the caller can see (org and team ones, and their own personal
 * ones; owners and admins see all), each with the tools and prompts discovery recorded for it.
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
  const ids = rows.map((r) => r.id);
  const [toolRows, promptList] = await Promise.all([
    db
      .select()
      .from(tools)
      .where(and(eq(tools.tenantId, tenantId), inArray(tools.installationId, ids), isNull(tools.vanishedAt)))
      .orderBy(asc(tools.name)),
    installationPrompts(db, tenantId, ids),
  ]);
  return rows.map((row) => ({
    installation: toInstallation(row),
    tools: toolRows.filter((t) => t.installationId === row.id).map(toTool),
    prompts: promptList.filter((p) => p.installationId === row.id),
  }));
}
