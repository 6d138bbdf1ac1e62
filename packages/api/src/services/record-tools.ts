import type { Database } from '@toolgate/db/client';
import { tools } from '@toolgate/db/schema';
import { and, eq, notInArray, sql } from 'drizzle-orm';
import type { UpstreamTool } from '../upstream/list-upstream.ts';
import { toolSchemaHash } from '../upstream/tool-schema-hash.ts';

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * Records an installation's tools as the upstream lists them: current ones upserted (their
 * definition follows the upstream; approval, enablement and labels stay the admin's: the update
 * below names only definition columns), vanished ones deleted (with their labels; labels set on
 * the registry entry by tool name outlive that).
 */
export async function recordTools(
  tx: Transaction,
  tenantId: string,
  installationId: string,
  listed: UpstreamTool[],
  now: Date,
): Promise<void> {
  const names = listed.map((t) => t.name);
  if (listed.length > 0) {
    await tx
      .insert(tools)
      .values(
        listed.map((t) => ({
          tenantId,
          installationId,
          name: t.name,
          title: t.title ?? null,
          description: t.description ?? '',
          inputSchema: t.inputSchema,
          outputSchema: t.outputSchema ?? null,
          annotations: t.annotations ?? null,
          meta: t._meta ?? null,
          execution: t.execution ?? null,
          schemaHash: toolSchemaHash(t),
        })),
      )
      .onConflictDoUpdate({
        target: [tools.installationId, tools.name],
        set: {
          title: sql`excluded.title`,
          description: sql`excluded.description`,
          inputSchema: sql`excluded.input_schema`,
          outputSchema: sql`excluded.output_schema`,
          annotations: sql`excluded.annotations`,
          meta: sql`excluded.meta`,
          execution: sql`excluded.execution`,
          schemaHash: sql`excluded.schema_hash`,
          updatedAt: now,
        },
      });
  }
  await tx
    .delete(tools)
    .where(
      and(
        eq(tools.tenantId, tenantId),
        eq(tools.installationId, installationId),
        ...(names.length > 0 ? [notInArray(tools.name, names)] : []),
      ),
    );
}
