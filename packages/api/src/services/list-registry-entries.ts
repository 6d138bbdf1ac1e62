import type { Database } from '@toolgate/db/client';
import { registryEntries } from '@toolgate/db/schema';
import { asc } from 'drizzle-orm';
import type { Actor } from '../actor.ts';
import { usableEntries } from '../installation-access.ts';
import type { RegistryEntry } from '../schemas/registry.ts';
import { toRegistryEntry } from '../views/rows.ts';

export interface ListRegistryEntriesOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
}

/** The tenant's own entries and the built-in catalog; any member may read them. */
export async function listRegistryEntries({
  db,
  tenantId,
}: ListRegistryEntriesOptions): Promise<RegistryEntry[]> {
  const rows = await db
    .select()
    .from(registryEntries)
    .where(usableEntries(tenantId))
    .orderBy(asc(registryEntries.name), asc(registryEntries.slug));
  return rows.map(toRegistryEntry);
}
