import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { installations, tools } from '@toolgate/db/schema';
import type { UpstreamPool, UpstreamTarget } from '@toolgate/mcp/upstream';
import { and, eq, isNull } from 'drizzle-orm';
import { deliverChanges, recordEntryChange } from '../invalidation.ts';
import { listUpstreamTools } from '../upstream/list-upstream.ts';
import { toolSchemaHash } from '../upstream/tool-schema-hash.ts';
import { recordTools } from './record-tools.ts';

export interface SyncInstallationToolsOptions {
  db: Database;
  bus: Bus;
  /** The proxy's pool: the tools are re-read on the session that said they changed. */
  pool: UpstreamPool;
  target: UpstreamTarget;
  tenantId: string;
  installationId: string;
}

/**
 * An upstream said its tools changed (notifications/tools/list_changed): re-reads them and, only
 * when a name or definition differs from what is recorded, records them (new and changed
 * definitions held for review as recordTools decides) and invalidates the
 * gateways that use the installation, on every replica. Returns whether anything changed. Replicas
 * hearing the same notification converge: the second finds nothing left to change.
 */
export async function syncInstallationTools(options: SyncInstallationToolsOptions): Promise<boolean> {
  const { db, bus, tenantId, installationId } = options;
  const listed = await listUpstreamTools(options.pool, options.target);
  // Compared and written under the installation's row lock: replicas hearing the same change
  // take turns, and the second finds nothing left to do.
  const changes = await db.transaction(async (tx) => {
    const [installation] = await tx
      .select({ entryId: installations.registryEntryId })
      .from(installations)
      .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)))
      .for('update');
    if (!installation) return undefined;
    const recorded = await tx
      .select({ name: tools.name, schemaHash: tools.schemaHash })
      .from(tools)
      .where(
        and(eq(tools.tenantId, tenantId), eq(tools.installationId, installationId), isNull(tools.vanishedAt)),
      );
    const known = new Map(recorded.map((t) => [t.name, t.schemaHash]));
    if (listed.length === known.size && listed.every((t) => known.get(t.name) === toolSchemaHash(t)))
      return undefined;
    await recordTools(tx, tenantId, installationId, listed, new Date());
    return recordEntryChange(tx, tenantId, installation.entryId, 'tools changed upstream');
  });
  if (changes === undefined) return false;
  await deliverChanges(db, bus, changes);
  return true;
}
