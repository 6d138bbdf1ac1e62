import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
export type Database = NodePgDatabase<Schema>;

export interface DbHandle {
  db: Database;
  pool: pg.Pool;
  /**
   * Round trip to the server, bounded by `timeoutMs` (default: the handle's `pingTimeoutMs`);
   * throws when it is unreachable or silent. A connection that did not answer is closed, not
   * returned to the pool, so a readiness probe never ties one up.
   */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  url: string;
  /** Pool size; keep small against embedded PGlite, which multiplexes one session. */
  max?: number;
  applicationName?: string;
  /**
   * Client-side bound on every query, in ms (node-postgres `query_timeout`): the query fails with
   * "Query read timeout" and its connection is closed, even when the server never answers
   * (a hung server, a network partition). 0: unbounded (migrations).
   */
  queryTimeoutMs?: number;
  /**
   * Server-side bound (Postgres `statement_timeout`, and `idle_in_transaction_session_timeout`
   * alike), sent when connecting: a live server cancels the statement, answers with a clear
   * error and the connection stays usable. Keep it below `queryTimeoutMs`. 0: not sent (e.g.
   * behind a PgBouncer that refuses startup parameters). Embedded PGlite ignores it.
   */
  statementTimeoutMs?: number;
  /** Bound on getting a connection (opening one, or waiting for a free one); default min(5 s, query timeout). */
  connectTimeoutMs?: number;
  /** Bound on `ping()`; default min(2 s, query timeout). */
  pingTimeoutMs?: number;
}

/** Bounds of a pool that does not choose its own (the processes set theirs from their env). */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 25_000;

const READ_TIMEOUT = 'Query read timeout';

export function createDb({
  url,
  max = 10,
  applicationName = 'toolgate',
  queryTimeoutMs = DEFAULT_QUERY_TIMEOUT_MS,
  statementTimeoutMs = DEFAULT_STATEMENT_TIMEOUT_MS,
  connectTimeoutMs = Math.min(5_000, queryTimeoutMs || 5_000),
  pingTimeoutMs = Math.min(2_000, queryTimeoutMs || 2_000),
}: CreateDbOptions): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    application_name: applicationName,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    ...(queryTimeoutMs > 0 ? { query_timeout: queryTimeoutMs } : {}),
    ...(statementTimeoutMs > 0
      ? { statement_timeout: statementTimeoutMs, idle_in_transaction_session_timeout: statementTimeoutMs }
      : {}),
  });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', () => {});
  // Nor may a checked-out one (a transaction's, whose connection the server or the network
  // ends): the pool listens only while a client is idle, and its queries fail on their own.
  pool.on('connect', (client: pg.PoolClient) => client.on('error', () => {}));
  // A query that timed out inside a transaction leaves its client in it (Drizzle's rollback
  // times out too and the client comes back without an error): close it rather than hand a
  // later caller a connection inside someone else's transaction.
  pool.on('release', (err: Error | undefined, client: pg.PoolClient) => {
    if (!err && client.getTransactionStatus() !== 'I') void client.end();
  });
  const db = drizzle(pool, { schema, casing: 'snake_case' });
  return {
    db,
    pool,
    async ping(timeoutMs = pingTimeoutMs) {
      const started = Date.now();
      const acquiring = pool.connect();
      let timer: NodeJS.Timeout | undefined;
      let client: pg.PoolClient;
      try {
        client = await Promise.race([
          acquiring,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no database connection within ${timeoutMs} ms`)),
              timeoutMs,
            );
          }),
        ]);
      } catch (err) {
        // A connection arriving after the deadline goes straight back.
        acquiring.then(
          (late) => late.release(),
          () => {},
        );
        throw err;
      } finally {
        clearTimeout(timer);
      }
      const left = Math.max(1, timeoutMs - (Date.now() - started));
      try {
        await client.query({ text: 'select 1', query_timeout: left } as pg.QueryConfig);
      } catch (err) {
        // With the error the pool closes the client instead of keeping it.
        client.release(err as Error);
        if ((err as Error).message === READ_TIMEOUT) {
          throw new Error(`database did not answer within ${timeoutMs} ms`, { cause: err });
        }
        throw err;
      }
      client.release();
    },
    async close() {
      await pool.end();
    },
  };
}
