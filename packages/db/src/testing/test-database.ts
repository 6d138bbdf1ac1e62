import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type DbHandle } from '../client.ts';
import { startEmbeddedPostgres } from '../embedded.ts';
import { runMigrations } from '../migrate.ts';

export interface TestDatabase extends DbHandle {
  url: string;
  /** Closes connections and drops the database. */
  destroy(): Promise<void>;
  /** Embedded only: stops the server while clients still hold it, to test an outage. */
  stopServer?: () => Promise<void>;
}

/**
 * A fresh, migrated database for one test file: a new database on the given Postgres server, or
 * (adminUrl '') a throwaway embedded PGlite. Tests never share or reset a database.
 */
export async function createTestDatabase(adminUrl: string): Promise<TestDatabase> {
  if (!adminUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir: 'memory://' });
    const handle = createDb({ url: embedded.url, max: 4 });
    await runMigrations(handle.pool);
    return {
      ...handle,
      url: embedded.url,
      async destroy() {
        await handle.close();
        await embedded.stop();
      },
      stopServer: () => embedded.stop(),
    };
  }
  const name = `tg_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = createDb({ url: url.toString(), max: 5 });
  await runMigrations(handle.pool);
  return {
    ...handle,
    url: url.toString(),
    async destroy() {
      await handle.close();
      await adminQuery(adminUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

/** A new, empty database (no migrations) on the server; for testing migrations themselves. */
export async function createEmptyDatabase(
  adminUrl: string,
): Promise<{ url: string; destroy(): Promise<void> }> {
  const name = `tg_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    destroy: () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`),
  };
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
