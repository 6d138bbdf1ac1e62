import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from './client.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.ts';

/**
 * Several pools on the one embedded session, as `toolgate start` runs web, proxy and worker:
 * every parameterised query is a Parse/Bind/Execute/Sync exchange that must not interleave
 * with another connection's.
 */
describe('embedded database shared by concurrent connections', () => {
  let embedded: EmbeddedPostgres;
  let a: DbHandle;
  let b: DbHandle;
  beforeAll(async () => {
    embedded = await startEmbeddedPostgres({ dataDir: 'memory://' });
    a = createDb({ url: embedded.url, max: 4 });
    b = createDb({ url: embedded.url, max: 4 });
    await a.pool.query('create table kv (id int primary key, v text not null)');
    await a.pool.query("insert into kv select g, 'v' || g from generate_series(1, 100) g");
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await embedded?.stop();
  });

  it('answers every query with its own rows while others run queries and transactions', async () => {
    let wrong = 0;
    let done = 0;
    const read = async (pool: pg.Pool) => {
      for (let i = 0; i < 150; i++) {
        const id = 1 + ((i * 37) % 100);
        const { rows } = await pool.query<{ v: string }>('select v from kv where id = $1', [id]);
        if (rows[0]?.v !== `v${id}`) wrong++;
        done++;
      }
    };
    const write = async (pool: pg.Pool) => {
      for (let i = 0; i < 60; i++) {
        const client = await pool.connect();
        try {
          await client.query('begin');
          const id = 1 + ((i * 13) % 100);
          const { rows } = await client.query<{ v: string }>('select v from kv where id = $1', [id]);
          if (rows[0]?.v !== `v${id}`) wrong++;
          await client.query('update kv set v = $2 where id = $1', [id, `v${id}`]);
          await client.query('commit');
          done++;
        } finally {
          client.release();
        }
      }
    };
    await Promise.all([read(a.pool), read(b.pool), read(a.pool), write(a.pool), write(b.pool)]);
    expect(wrong).toBe(0);
    expect(done).toBe(3 * 150 + 2 * 60);
  });

  it('goes on serving others when a connection leaves in the middle of a transaction', async () => {
    const leaver = new pg.Client({ connectionString: embedded.url });
    leaver.on('error', () => {});
    await leaver.connect();
    await leaver.query('begin');
    await leaver.query('update kv set v = $1 where id = 1', ['changed']);
    const waiting = b.pool.query<{ v: string }>('select v from kv where id = $1', [1]);
    (leaver as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    // The other query runs once the leaver's transaction is rolled back.
    expect((await waiting).rows[0]?.v).toBe('v1');
    expect((await a.pool.query('select count(*)::int as n from kv')).rows[0]).toEqual({ n: 100 });
  });
});
