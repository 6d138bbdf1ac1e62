import { AppError } from '@toolgate/core/errors';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { registryEntries } from '@toolgate/db/schema';
import type { z } from 'zod';
import { requireAdmin, type Actor } from '../actor.ts';
import {
  ZCreateRegistryEntryRequest,
  type CreateRegistryEntryRequest,
  type RegistryEntry,
} from '../schemas/registry.ts';
import { requireStdioAllowed } from '../stdio-policy.ts';
import { parseInput } from '../validation.ts';
import { toRegistryEntry } from '../views/rows.ts';
import { requireFeature } from './plans/plan-features.ts';

export interface CreateRegistryEntryOptions {
  db: Database;
  tenantId: string;
  actor: Actor;
  input: CreateRegistryEntryRequest;
  /** TOOLGATE_ALLOW_STDIO: whether local (stdio) servers may be registered. Default: refused. */
  allowStdio?: boolean;
  /** The deployment's plans: an `id_jag` entry needs the `idJag` feature. Absent: every tenant has every feature. */
  plans?: PlansConfig;
}

/** A validated entry's columns besides its tenant and slug (shared with the catalog seed). */
export const registryEntryColumns = (entry: z.output<typeof ZCreateRegistryEntryRequest>) => ({
  name: entry.name,
  description: entry.description,
  transport: entry.transport,
  url: entry.url ?? null,
  command: entry.command ?? null,
  args: entry.args,
  env: entry.env,
  authKind: entry.authKind,
  authConfig: entry.authConfig,
  installFields: entry.installFields,
  docsUrl: entry.docsUrl ?? null,
  iconUrl: entry.iconUrl ?? null,
  version: entry.version ?? null,
  package: entry.package ?? null,
  bin: entry.bin ?? null,
  network: entry.network,
});

/** Adds a server template to the tenant's private registry (owners and admins). */
export async function createRegistryEntry({
  db,
  tenantId,
  actor,
  input,
  allowStdio,
  plans,
}: CreateRegistryEntryOptions): Promise<RegistryEntry> {
  requireAdmin(actor, 'add servers to the registry');
  const entry = parseInput(ZCreateRegistryEntryRequest, input);
  requireStdioAllowed(entry.transport, allowStdio);
  if (entry.authKind === 'id_jag') await requireFeature(db, tenantId, plans, 'idJag');
  const [row] = await db
    .insert(registryEntries)
    .values({ tenantId, slug: entry.slug, ...registryEntryColumns(entry) })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new AppError('CONFLICT', `A registry entry with slug "${entry.slug}" already exists`);
  return toRegistryEntry(row);
}
