import type { Database } from '@toolgate/db/client';
import { installations, registryEntries, tools } from '@toolgate/db/schema';
import { and, asc, eq, type SQL } from 'drizzle-orm';
import { toIso } from '../../schemas/common.ts';
import type { ToolChange } from '../../schemas/tool-changes.ts';
import { changeWaits, recordedDefinition } from './tool-definition.ts';

type Executor = Pick<Database, 'select'>;

/** Tools of the tenant matching `where`, with their installation and server, oldest change first. */
export function selectToolChangeRows(db: Executor, tenantId: string, where: SQL | undefined) {
  return db
    .select({
      tool: tools,
      installation: { id: installations.id, name: installations.name, scope: installations.scope },
      server: { id: registryEntries.id, slug: registryEntries.slug, name: registryEntries.name },
    })
    .from(tools)
    .innerJoin(
      installations,
      and(eq(installations.id, tools.installationId), eq(installations.tenantId, tenantId)),
    )
    .innerJoin(registryEntries, eq(registryEntries.id, installations.registryEntryId))
    .where(and(eq(tools.tenantId, tenantId), where))
    .orderBy(asc(tools.pendingSince), asc(registryEntries.slug), asc(tools.name));
}

export type ToolChangeRow = Awaited<ReturnType<typeof selectToolChangeRows>>[number];

/** A row with a recorded change (`pendingSince` set) as the API shows it. */
export function toToolChange({ tool, installation, server }: ToolChangeRow): ToolChange {
  return {
    id: tool.id,
    kind: tool.approvedDefinition ? 'changed' : 'new',
    status: changeWaits(tool) ? 'pending' : 'rejected',
    tool: { id: tool.id, name: tool.name, enabled: tool.enabled },
    installation,
    server,
    approved: tool.approvedDefinition
      ? {
          ...tool.approvedDefinition,
          meta: tool.approvedDefinition.meta ?? null,
          execution: tool.approvedDefinition.execution ?? null,
        }
      : null,
    approvedHash: tool.approvedHash,
    pending: recordedDefinition(tool),
    pendingHash: tool.schemaHash,
    since: toIso(tool.pendingSince ?? tool.updatedAt),
  };
}
