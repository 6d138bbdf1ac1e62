import { sql, type SQL } from 'drizzle-orm';
import type { Database } from './client.ts';

export interface ExpireOptions {
  /** Rows per DELETE; each is its own short statement (no long transaction). */
  chunkSize?: number;
  /** Upper bound on statements per call, so one run cannot go on for ever. */
  maxChunks?: number;
  now?: Date;
}

/**
 * Runs a `delete … where ctid = any(array(select ctid … limit N for update skip locked))` until a
 * chunk comes back short: short statements, no long transaction, and concurrent deleters skip
 * each other's rows. Returns how many rows went.
 */
async function deleteInChunks(
  db: Database,
  statement: (limit: number) => ReturnType<typeof sql>,
  { chunkSize = 5_000, maxChunks = 1_000 }: ExpireOptions,
): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxChunks; i++) {
    const result = await db.execute(statement(chunkSize));
    const count = result.rowCount ?? 0;
    total += count;
    if (count < chunkSize) break;
  }
  return total;
}

/** Deletes the rows of `table` that match `where`, in chunks (see deleteInChunks). */
export function deleteRowsInChunks(
  db: Database,
  table: string,
  where: SQL,
  options: ExpireOptions = {},
): Promise<number> {
  const name = sql.identifier(table);
  return deleteInChunks(
    db,
    (limit) => sql`
      delete from ${name} where ctid = any(array(
        select ctid from ${name} where ${where}
        limit ${limit} for update skip locked))`,
    options,
  );
}
