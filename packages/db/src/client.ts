import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
export type Database = NodePgDatabase<Schema>;

export interface DbHandle {
  db: Database;
  pool: pg.Pool;
  /** Round trip to the server; throws when it is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  url: string;
  /** Pool size; keep small against embedded PGlite, which multiplexes one session. */
  max?: number;
  applicationName?: string;
}

export function createDb({ url, max = 10, applicationName = 'toolgate' }: CreateDbOptions): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', () => {});
  const db = drizzle(pool, { schema, casing: 'snake_case' });
  return {
    db,
    pool,
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await pool.end();
    },
  };
}
