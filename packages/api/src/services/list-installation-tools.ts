import type { Database } from '@toolgate/db/client';
import { tools } from '@toolgate/db/schema';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { findVisibleInstallation } from '../installation-access.ts';
import type { Tool } from '../schemas/installations.ts';
import { toTool } from '../views/rows.ts';

export interface ListInstallationToolsOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  installationId: string;
}

/** The tools discovery recorded for an installation the caller can see. */
export async function listInstallationTools({
  db,
  tenantId,
  actor,
  installationId,
}: ListInstallationToolsOptions): Promise<Tool[]> {
  await findVisibleInstallation(db, tenantId, actor, installationId);
  return installationTools(db, tenantId, installationId);
}

/** An installation's listed tools by name (not vanished ones), with no access check (callers have made theirs). */
export async function installationTools(
  db: Database,
  tenantId: string,
  installationId: string,
): Promise<Tool[]> {
  const rows = await db
    .select()
    .from(tools)
    .where(
      and(eq(tools.tenantId, tenantId), eq(tools.installationId, installationId), isNull(tools.vanishedAt)),
    )
    .orderBy(asc(tools.name));
  return rows.map(toTool);
}
