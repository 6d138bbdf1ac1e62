import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { installations, tools } from '@toolgate/db/schema';
import type { UpstreamPool, UpstreamTarget } from '@toolgate/mcp/upstream';
import { and, eq } from 'drizzle-orm';
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
 * when a name or definition differs from what is recorded, records them and invalidates the
 * gateways that use the installation, on every replica. Returns whether anything changed. Replicas
 * hearing the same notification converge: the second finds nothing left to change.
 */
export async function syncInstallationTools(options: SyncInstallationToolsOptions): Promise<boolean> {
  const { db, bus, tenantId, installationId } = options;
  const listed = await listUpstreamTools(options.pool, options.target);
  const recorded = await db
    .select({ name: tools.name, schemaHash: tools.schemaHash })
    .from(tools)
    .where(and(eq(tools.tenantId, tenantId), eq(tools.installationId, installationId)));
  const known = new Map(recorded.map((t) => [t.name, t.schemaHash]));
  if (listed.length === known.size && listed.every((t) => known.get(t.name) === toolSchemaHash(t)))
    return false;
  const [installation] = await db
    .select({ entryId: installations.registryEntryId })
    .from(installations)
    .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)));
  if (!installation) return false;
  const changes = await db.transaction(async (tx) => {
    await recordTools(tx, tenantId, installationId, listed, new Date());
    return recordEntryChange(tx, tenantId, installation.entryId, 'tools changed upstream');
  });
  await deliverChanges(db, bus, changes);
  return true;
}
