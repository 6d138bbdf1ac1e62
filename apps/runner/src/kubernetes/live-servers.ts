import type { Database } from '@toolgate/db/client';
import { installations, registryEntries } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { LiveServer } from './kubernetes-servers.ts';

/**
 * What may keep objects on the cluster, across every tenant (GC is the deployment's, not a
 * tenant's): enabled installations of self-hosted entries, their canary while one is set. A
 * disabled installation's objects are removed too (they are made again on its next use).
 */
export async function liveServers(db: Database): Promise<LiveServer[]> {
  const rows = await db
    .select({ id: installations.id, canaryVersion: installations.canaryVersion })
    .from(installations)
    .innerJoin(registryEntries, eq(installations.registryEntryId, registryEntries.id))
    .where(and(eq(registryEntries.transport, 'stdio'), eq(installations.enabled, true)));
  return rows.flatMap((row) => [
    { installationId: row.id, variant: 'stable' as const },
    ...(row.canaryVersion ? [{ installationId: row.id, variant: 'canary' as const }] : []),
  ]);
}
