import type { Database } from '@toolgate/db/client';
import { prompts } from '@toolgate/db/schema';
import { and, asc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Prompt } from './schemas/installations.ts';
import type { UpstreamPrompt } from './upstream/list-upstream.ts';
import { toIso } from './schemas/common.ts';

type PromptRow = typeof prompts.$inferSelect;

export const toPrompt = (row: PromptRow): Prompt => ({
  id: row.id,
  installationId: row.installationId,
  name: row.name,
  title: row.title,
  description: row.description,
  arguments: row.arguments,
  createdAt: toIso(row.createdAt),
  updatedAt: toIso(row.updatedAt),
});

/** Installations' prompts by name, with no access check (callers have made theirs). */
export async function installationPrompts(
  db: Pick<Database, 'select'>,
  tenantId: string,
  installationIds: readonly string[],
): Promise<Prompt[]> {
  if (installationIds.length === 0) return [];
  const rows = await db
    .select()
    .from(prompts)
    .where(and(eq(prompts.tenantId, tenantId), inArray(prompts.installationId, [...installationIds])))
    .orderBy(asc(prompts.name));
  return rows.map(toPrompt);
}

/**
 * Records what prompts/list announced for an installation, in discovery's transaction: current
 * prompts upserted, vanished ones deleted.
 */
export async function recordPrompts(
  tx: Pick<Database, 'insert' | 'delete'>,
  tenantId: string,
  installationId: string,
  listed: readonly UpstreamPrompt[],
  now: Date,
): Promise<void> {
  if (listed.length > 0) {
    await tx
      .insert(prompts)
      .values(
        listed.map((p) => ({
          tenantId,
          installationId,
          name: p.name,
          title: p.title ?? null,
          description: p.description ?? '',
          arguments: (p.arguments ?? []).map((a) => ({
            name: a.name,
            ...(a.description !== undefined ? { description: a.description } : {}),
            ...(a.required !== undefined ? { required: a.required } : {}),
          })),
        })),
      )
      .onConflictDoUpdate({
        target: [prompts.installationId, prompts.name],
        set: {
          title: sql`excluded.title`,
          description: sql`excluded.description`,
          arguments: sql`excluded.arguments`,
          updatedAt: now,
        },
      });
  }
  const names = listed.map((p) => p.name);
  await tx
    .delete(prompts)
    .where(
      and(
        eq(prompts.tenantId, tenantId),
        eq(prompts.installationId, installationId),
        ...(names.length > 0 ? [notInArray(prompts.name, names)] : []),
      ),
    );
}
