import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Database } from './client.ts';

type Results<T extends readonly (() => PromiseLike<unknown>)[]> = {
  -readonly [K in keyof T]: Awaited<ReturnType<T[K]>>;
};

/**
 * Runs independent reads at once on a pool, one after another in a transaction: a transaction is
 * one connection, and overlapping queries on one node-postgres client are deprecated (refused
 * from pg 9).
 */
export async function concurrently<const T extends readonly (() => PromiseLike<unknown>)[]>(
  db: Database,
  queries: T,
): Promise<Results<T>> {
  if (!(db instanceof PgTransaction)) return (await Promise.all(queries.map((q) => q()))) as Results<T>;
  const results: unknown[] = [];
  for (const query of queries) results.push(await query());
  return results as Results<T>;
}
