import type { Bus } from '@toolgate/bus';
import type { Database } from '@toolgate/db/client';
import { gateways, gatewayToolAssignments, registryEntries } from '@toolgate/db/schema';
import { eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import catalogFile from '../catalog/catalog.json' with { type: 'json' };
import { canonicalJson } from '../canonical-json.ts';
import type { PendingConfigChange } from '@toolgate/core/config-change';
import { deliverChanges, recordGatewayChange } from '../invalidation.ts';
import { ZCreateRegistryEntryRequest, type CreateRegistryEntryRequest } from '../schemas/registry.ts';
import { parseInput } from '../validation.ts';
import { registryEntryColumns } from './create-registry-entry.ts';

export interface SeedCatalogOptions {
  db: Database;
  /** When given, gateways of any tenant that use a changed catalog entry are invalidated. */
  bus?: Bus;
  /** Default: the built-in catalog (src/catalog/catalog.json). */
  entries?: CatalogEntry[];
}

export interface SeedCatalogResult {
  inserted: string[];
  updated: string[];
  unchanged: string[];
}

/**
 * A server Toolgate answers itself (the management server): catalog only, no URL, no command,
 * nothing to install but a name.
 */
const ZBuiltinEntry = z.strictObject({
  slug: ZCreateRegistryEntryRequest.shape.slug,
  name: ZCreateRegistryEntryRequest.shape.name,
  description: z.string().max(2000),
  transport: z.literal('builtin'),
  docsUrl: z.string().optional(),
});
export type CatalogEntry = CreateRegistryEntryRequest | z.input<typeof ZBuiltinEntry>;

const builtinColumns = (entry: z.output<typeof ZBuiltinEntry>) => ({
  name: entry.name,
  description: entry.description,
  transport: entry.transport,
  url: null,
  command: null,
  args: [],
  env: {},
  authKind: 'none' as const,
  authConfig: {},
  installFields: [],
  docsUrl: entry.docsUrl ?? null,
  iconUrl: null,
  version: null,
});

/** Each catalog entry checked as its kind: a built-in server, or a template like a tenant's. */
const ZCatalog = z.array(
  z.union([
    ZBuiltinEntry.transform((entry) => ({ slug: entry.slug, columns: builtinColumns(entry) })),
    ZCreateRegistryEntryRequest.transform((entry) => ({
      slug: entry.slug,
      columns: registryEntryColumns(entry),
    })),
  ]),
);

/**
 * Brings the built-in catalog (registry entries with no tenant) in line with the data file:
 * inserts new slugs, updates changed ones, leaves the rest alone. Idempotent, safe to run at
 * every start and from several processes at once. Entries dropped from the file are kept, since
 * installations may still use them.
 */
export async function seedCatalog({ db, bus, entries }: SeedCatalogOptions): Promise<SeedCatalogResult> {
  const wanted = parseInput(ZCatalog, entries ?? catalogFile);
  const existing = await db.select().from(registryEntries).where(isNull(registryEntries.tenantId));
  const bySlug = new Map(existing.map((row) => [row.slug, row]));
  const result: SeedCatalogResult = { inserted: [], updated: [], unchanged: [] };
  const changedIds: string[] = [];

  const recorded = await db.transaction(async (tx) => {
    for (const entry of wanted) {
      const values = entry.columns;
      const current = bySlug.get(entry.slug);
      if (!current) {
        // Another process may have inserted it since we looked: then it is theirs to report.
        const inserted = await tx
          .insert(registryEntries)
          .values({ tenantId: null, slug: entry.slug, ...values })
          .onConflictDoNothing({
            target: registryEntries.slug,
            where: sql`${registryEntries.tenantId} is null`,
          })
          .returning({ id: registryEntries.id });
        (inserted.length > 0 ? result.inserted : result.unchanged).push(entry.slug);
      } else if (differs(current, values)) {
        await tx.update(registryEntries).set(values).where(eq(registryEntries.id, current.id));
        result.updated.push(entry.slug);
        changedIds.push(current.id);
      } else {
        result.unchanged.push(entry.slug);
      }
    }
    const changes: PendingConfigChange[] = [];
    if (changedIds.length === 0) return changes;
    const affected = await tx
      .selectDistinct({ tenantId: gateways.tenantId, id: gateways.id, slug: gateways.slug })
      .from(gateways)
      .innerJoin(gatewayToolAssignments, eq(gatewayToolAssignments.gatewayId, gateways.id))
      .where(inArray(gatewayToolAssignments.registryEntryId, changedIds));
    const byTenant = new Map<string, { id: string; slug: string }[]>();
    for (const g of affected) byTenant.set(g.tenantId, [...(byTenant.get(g.tenantId) ?? []), g]);
    for (const [tenantId, list] of byTenant) {
      changes.push(...(await recordGatewayChange(tx, tenantId, list, 'catalog entry changed')));
    }
    return changes;
  });
  if (bus) await deliverChanges(db, bus, recorded);
  return result;
}

function differs(row: typeof registryEntries.$inferSelect, values: Record<string, unknown>): boolean {
  const current = row as unknown as Record<string, unknown>;
  return Object.entries(values).some(([key, value]) => canonicalJson(current[key]) !== canonicalJson(value));
}
