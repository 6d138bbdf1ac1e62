import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { registryEntries } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { deliverChanges, recordEntryChange } from '../invalidation.ts';
import { isUniqueViolation } from '../pg-errors.ts';
import {
  ZCreateRegistryEntryRequest,
  ZUpdateRegistryEntryRequest,
  type RegistryEntry,
  type UpdateRegistryEntryRequest,
} from '../schemas/registry.ts';
import { requireStdioAllowed } from '../stdio-policy.ts';
import { parseInput } from '../validation.ts';
import { toRegistryEntry } from '../views/rows.ts';
import { registryEntryColumns } from './create-registry-entry.ts';
import { requireFeature } from './plans/plan-features.ts';

export interface UpdateRegistryEntryOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  entryId: string;
  input: UpdateRegistryEntryRequest;
  allowStdio?: boolean;
  /** The deployment's plans: switching an entry to `id_jag` needs the `idJag` feature. Absent: every tenant has every feature. */
  plans?: PlansConfig;
}

/** The tenant's own entry (built-in catalog entries are read-only: not found here). */
export async function findTenantEntry(db: Database, tenantId: string, entryId: string) {
  const [row] = await db
    .select()
    .from(registryEntries)
    .where(and(eq(registryEntries.tenantId, tenantId), eq(registryEntries.id, entryId)));
  if (!row)
    throw new AppError('NOT_FOUND', 'Registry entry not found (built-in catalog entries cannot be changed)');
  return row;
}

/**
 * Changes a tenant-private registry entry (owners and admins). The fields given replace the
 * stored ones and the whole entry is checked again; gateways exposing it are recompiled on every
 * proxy. Installations keep their values: a field that no longer exists is ignored by the proxy.
 */
export async function updateRegistryEntry({
  db,
  bus,
  tenantId,
  actor,
  entryId,
  input,
  allowStdio,
  plans,
}: UpdateRegistryEntryOptions): Promise<RegistryEntry> {
  requireAdmin(actor, 'change registry entries');
  parseInput(ZUpdateRegistryEntryRequest, input);
  const current = await findTenantEntry(db, tenantId, entryId);
  // Only the keys sent: the schema's defaults must not overwrite what is stored.
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const stored = {
    slug: current.slug,
    name: current.name,
    description: current.description,
    transport: current.transport,
    ...(current.url === null ? {} : { url: current.url }),
    ...(current.command === null ? {} : { command: current.command }),
    args: current.args,
    env: current.env,
    authKind: current.authKind,
    authConfig: current.authConfig,
    installFields: current.installFields,
    ...(current.docsUrl === null ? {} : { docsUrl: current.docsUrl }),
    ...(current.iconUrl === null ? {} : { iconUrl: current.iconUrl }),
    ...(current.version === null ? {} : { version: current.version }),
    ...(current.package === null ? {} : { package: current.package }),
    ...(current.bin === null ? {} : { bin: current.bin }),
    network: current.network,
  };
  const merged: Record<string, unknown> = { ...stored, ...given };
  // null clears: the entry is no longer packaged (or runs the package's only bin).
  for (const key of ['package', 'bin'] as const) if (merged[key] === null) delete merged[key];
  // Switching transport drops the other kind's address unless the patch sets it.
  if ('transport' in given && given.transport === 'stdio' && !('url' in given)) delete merged.url;
  if ('transport' in given && given.transport !== 'stdio' && !('command' in given)) delete merged.command;
  // A package given replaces the command (and the reverse), unless the patch sets both.
  if (typeof given.package === 'string' && !('command' in given)) delete merged.command;
  if (typeof given.command === 'string' && !('package' in given)) {
    delete merged.package;
    delete merged.bin;
  }
  const entry = parseInput(ZCreateRegistryEntryRequest, merged);
  if (entry.transport !== current.transport) requireStdioAllowed(entry.transport, allowStdio);
  if (entry.authKind === 'id_jag' && current.authKind !== 'id_jag')
    await requireFeature(db, tenantId, plans, 'idJag');

  let row: typeof registryEntries.$inferSelect;
  let recorded: Awaited<ReturnType<typeof recordEntryChange>>;
  try {
    ({ row, recorded } = await db.transaction(async (tx) => {
      const [updated] = await tx
        .update(registryEntries)
        .set({ slug: entry.slug, ...registryEntryColumns(entry), updatedAt: new Date() })
        .where(and(eq(registryEntries.tenantId, tenantId), eq(registryEntries.id, entryId)))
        .returning();
      if (!updated) throw new AppError('NOT_FOUND', 'Registry entry not found');
      return {
        row: updated,
        recorded: await recordEntryChange(tx, tenantId, entryId, 'registry entry changed'),
      };
    }));
  } catch (err) {
    if (isUniqueViolation(err))
      throw new AppError('CONFLICT', `A registry entry with slug "${entry.slug}" already exists`, {
        fields: [{ path: 'slug', message: `"${entry.slug}" is taken` }],
      });
    throw err;
  }
  await deliverChanges(db, bus, recorded);
  return toRegistryEntry(row);
}
