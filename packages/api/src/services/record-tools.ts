import type { Database } from '@toolgate/db/client';
import { installations, tenants, tools } from '@toolgate/db/schema';
import { and, eq, isNull, notInArray, sql } from 'drizzle-orm';
import type { UpstreamTool } from '../upstream/list-upstream.ts';
import { toolSchemaHash } from '../upstream/tool-schema-hash.ts';
import { listedDefinition } from './tool-changes/tool-definition.ts';

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface RecordToolsOptions {
  /**
   * Approve every definition as listed: Toolgate's own built-in server, whose tools change only
   * when Toolgate is upgraded.
   */
  approveAll?: boolean;
  /**
   * Leave tools missing from `listed` as they are: the listing was made for someone who may be
   * offered fewer tools (a health check of a `jwt` server, as Toolgate itself).
   */
  keepUnlisted?: boolean;
}

/**
 * Records an installation's tools as the upstream lists them: current ones upserted (their
 * definition columns follow the upstream; approval, enablement and labels stay the admin's),
 * vanished ones marked so (`vanishedAt`: neither served nor shown) but kept, approval, enablement
 * and labels included.
 *
 * Definition pinning (docs/policies.md): clients are served a tool's approved definition. A tool
 * seen for the first time is approved as listed when the tenant auto-approves new tools (the
 * default), else it waits, unserved, since now. A tool whose definition hash differs from the
 * approved one waits for review since the discovery that first listed that definition, unless an
 * admin already rejected exactly that definition; one listed again as approved waits no more.
 * A vanished tool listed again is not new: it is compared with the definition approved before it
 * vanished, or a server could drop a tool and re-add it changed to have it approved as new.
 */
export async function recordTools(
  tx: Transaction,
  tenantId: string,
  installationId: string,
  listed: UpstreamTool[],
  now: Date,
  options: RecordToolsOptions = {},
): Promise<void> {
  // Discoveries of one installation take turns, so each compares with what the last one recorded.
  await tx
    .select({ id: installations.id })
    .from(installations)
    .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)))
    .for('update');
  const names = listed.map((t) => t.name);
  if (listed.length > 0) {
    const [tenant] = await tx
      .select({ settings: tenants.settings })
      .from(tenants)
      .where(eq(tenants.id, tenantId));
    const autoApproveNew = tenant?.settings.autoApproveNewTools !== false;
    const before = new Map(
      (
        await tx
          .select({
            name: tools.name,
            schemaHash: tools.schemaHash,
            approvedHash: tools.approvedHash,
            pendingSince: tools.pendingSince,
          })
          .from(tools)
          .where(and(eq(tools.tenantId, tenantId), eq(tools.installationId, installationId)))
      ).map((t) => [t.name, t]),
    );
    await tx
      .insert(tools)
      .values(
        listed.map((t) => {
          const schemaHash = toolSchemaHash(t);
          const definition = listedDefinition(t);
          const known = before.get(t.name);
          // `known` includes vanished tools.
          const approve = options.approveAll === true || (!known && autoApproveNew);
          const approvedHash = approve ? schemaHash : (known?.approvedHash ?? null);
          // The same definition still waiting keeps the time it was first seen.
          const pendingSince =
            approvedHash === schemaHash
              ? null
              : known && known.schemaHash === schemaHash && known.pendingSince
                ? known.pendingSince
                : now;
          return {
            tenantId,
            installationId,
            name: t.name,
            ...definition,
            schemaHash,
            // Only ever set here when approving; the update below keeps an existing approval.
            ...(approve ? { approvedHash: schemaHash, approvedDefinition: definition } : {}),
            pendingSince,
            vanishedAt: null,
          };
        }),
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
          approvedHash: sql`coalesce(excluded.approved_hash, ${tools.approvedHash})`,
          approvedDefinition: sql`coalesce(excluded.approved_definition, ${tools.approvedDefinition})`,
          pendingSince: sql`excluded.pending_since`,
          vanishedAt: null,
          updatedAt: now,
        },
      });
  }
  if (options.keepUnlisted === true) return;
  await tx
    .update(tools)
    .set({ vanishedAt: now, updatedAt: now })
    .where(
      and(
        eq(tools.tenantId, tenantId),
        eq(tools.installationId, installationId),
        isNull(tools.vanishedAt),
        ...(names.length > 0 ? [notInArray(tools.name, names)] : []),
      ),
    );
}
