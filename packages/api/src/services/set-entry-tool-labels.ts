import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { registryEntries } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin, type Actor } from '../actor.ts';
import { ZSetEntryToolLabelsRequest, type SetEntryToolLabelsRequest } from '../schemas/policies.ts';
import type { RegistryEntry } from '../schemas/registry.ts';
import { parseInput } from '../validation.ts';
import { toRegistryEntry } from '../views/rows.ts';
import { writeWithEntryChange } from './tool-mutation.ts';
import { findTenantEntry } from './update-registry-entry.ts';

/** Most tools an entry keeps labels for. */
export const MAX_LABELLED_TOOLS = 1000;

const sortedEntries = (entries: Iterable<[string, string[]]>) =>
  [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export interface SetEntryToolLabelsOptions {
  db: Database;
  bus: Bus;
  tenantId: string;
  actor: Actor;
  entryId: string;
  input: SetEntryToolLabelsRequest;
}

/**
 * Labels tools of a registry entry by name, for that tool on every installation of the entry
 * (owners and admins; the snapshot adds each installation tool's own labels). Each tool named
 * gets exactly the labels given (`[]` clears them); others keep theirs. Tenant entries only: the
 * built-in catalog is shared by every workspace, so its tools are labelled per installation.
 */
export async function setEntryToolLabels({
  db,
  bus,
  tenantId,
  actor,
  entryId,
  input,
}: SetEntryToolLabelsOptions): Promise<RegistryEntry> {
  requireAdmin(actor, 'label tools');
  const { tools } = parseInput(ZSetEntryToolLabelsRequest, input);
  await findTenantEntry(db, tenantId, entryId);
  const row = await writeWithEntryChange(db, bus, tenantId, async (tx) => {
    const [current] = await tx
      .select({ toolLabels: registryEntries.toolLabels })
      .from(registryEntries)
      .where(and(eq(registryEntries.tenantId, tenantId), eq(registryEntries.id, entryId)))
      .for('update');
    if (!current) throw new AppError('NOT_FOUND', 'Registry entry not found');
    const merged = new Map(Object.entries(current.toolLabels));
    for (const [name, labels] of Object.entries(tools)) {
      if (labels.length === 0) merged.delete(name);
      else merged.set(name, labels);
    }
    if (merged.size > MAX_LABELLED_TOOLS)
      throw new AppError('INVALID', `tools: an entry keeps labels for at most ${MAX_LABELLED_TOOLS} tools`, {
        fields: [{ path: 'tools', message: `at most ${MAX_LABELLED_TOOLS} labelled tools per entry` }],
      });
    const toolLabels = Object.fromEntries(sortedEntries(merged));
    const [updated] = await tx
      .update(registryEntries)
      .set({ toolLabels, updatedAt: new Date() })
      .where(and(eq(registryEntries.tenantId, tenantId), eq(registryEntries.id, entryId)))
      .returning();
    // Compared by sorted entries: jsonb keeps its keys in an order of its own.
    const unchanged =
      JSON.stringify(sortedEntries(Object.entries(current.toolLabels))) ===
      JSON.stringify(sortedEntries(merged));
    return { row: updated!, entryId, reason: unchanged ? null : 'tool labels changed' };
  });
  return toRegistryEntry(row);
}
