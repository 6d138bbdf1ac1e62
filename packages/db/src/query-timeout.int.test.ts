import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, type DbHandle } from './client.ts';
import { createTestDatabase, type TestDatabase } from './testing/test-database.ts';
import { startTcpForwarder, type TcpForwarder } from './testing/tcp-forwarder.ts';

const QUERY_TIMEOUT_MS = 600;
const PING_TIMEOUT_MS = 300;

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Milliseconds `promise` took to settle, and its rejection (it must reject). */
async function timedRejection(promise: Promise<unknown>): Promise<{ ms: number; error: Error }> {
  const started = Date.now();
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (err: unknown) => err as Error,
  );
  return { ms: Date.now() - started, error };
}

/** The message of an error and of its causes (Drizzle wraps the driver's error). */
const messages = (err: unknown): string =>
  err instanceof Error ? `${err.message} <- ${messages(err.cause)}` : '';

describe('a database that stops answering (silent through a TCP forwarder)', () => {
  let database: TestDatabase;
  let forwarder: TcpForwarder;
  let handle: DbHandle;
  beforeAll(async () => {
    database = await createTestDatabase(inject('postgresUrl'));
    const target = new URL(database.url);
    forwarder = await startTcpForwarder({ host: target.hostname, port: Number(target.port || 5432) });
    handle = createDb({
      url: forwarder.urlFor(database.url),
      max: 2,
      queryTimeoutMs: QUERY_TIMEOUT_MS,
      statementTimeoutMs: QUERY_TIMEOUT_MS - 200,
      pingTimeoutMs: PING_TIMEOUT_MS,
    });
  });
  afterEach(() => forwarder?.resume());
  afterAll(async () => {
    await handle?.close();
    await forwarder?.close();
    await database?.destroy();
  });

  it('fails queries within the query timeout, bounds the readiness ping, and recovers', async () => {
    await handle.ping();
    await handle.db.execute(sql`select 1`);
    forwarder.silence();

    const viaPool = await timedRejection(handle.pool.query('select 1'));
    expect(viaPool.ms).toBeLessThan(QUERY_TIMEOUT_MS + 1_000);
    expect(messages(viaPool.error)).toMatch(/timeout/i);

    const viaDrizzle = await timedRejection(handle.db.execute(sql`select 2`));
    expect(viaDrizzle.ms).toBeLessThan(QUERY_TIMEOUT_MS + 1_000);
    expect(messages(viaDrizzle.error)).toMatch(/timeout/i);

    const ping = await timedRejection(handle.ping());
    expect(ping.ms).toBeLessThan(PING_TIMEOUT_MS + 500);
    expect(ping.error.message).toMatch(new RegExp(`within ${PING_TIMEOUT_MS} ms`));

    // Nothing stays tied up: connections that did not answer are closed, not handed out again.
    await until(() => handle.pool.totalCount === 0 && handle.pool.waitingCount === 0, 3_000);

    forwarder.resume();
    const started = Date.now();
    expect((await handle.pool.query<{ n: number }>('select 3 as n')).rows).toEqual([{ n: 3 }]);
    await handle.ping();
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('answers a readiness ping within its bound while every pooled connection is stuck', async () => {
    await handle.ping();
    forwarder.silence();
    const stuck = [handle.pool.query('select 1'), handle.pool.query('select 1')].map((q) =>
      q.catch((err: unknown) => err),
    );
    const ping = await timedRejection(handle.ping());
    expect(ping.ms).toBeLessThan(PING_TIMEOUT_MS + 500);
    await Promise.all(stuck);
    await until(() => handle.pool.totalCount === 0 && handle.pool.waitingCount === 0, 3_000);
  });

  it.each([
    ['its query times out on the client', 0],
    ['the server ends the idle transaction', QUERY_TIMEOUT_MS - 200],
  ])('never hands out a connection left inside a transaction when %s', async (_, statementTimeoutMs) => {
    const own = createDb({
      url: forwarder.urlFor(database.url),
      max: 2,
      queryTimeoutMs: QUERY_TIMEOUT_MS,
      statementTimeoutMs,
    });
    try {
      const failed = own.db.transaction(async (tx) => {
        forwarder.silence();
        await tx.execute(sql`select 1`);
      });
      await expect(failed).rejects.toThrow();
      forwarder.resume();
      const clients = [await own.pool.connect(), await own.pool.connect()];
      try {
        for (const client of clients) {
          await client.query('select 1');
          expect(client.getTransactionStatus()).toBe('I');
        }
      } finally {
        for (const client of clients) client.release();
      }
    } finally {
      await own.close();
    }
  });
});

describe('statement timeout (server side)', () => {
  let database: TestDatabase;
  afterAll(async () => database?.destroy());

  it('has the server cancel a long statement and keeps the connection', async () => {
    const postgresUrl = inject('postgresUrl');
    if (!postgresUrl) return; // embedded PGlite ignores statement_timeout; the client-side bound covers it
    database = await createTestDatabase(postgresUrl);
    const handle = createDb({ url: database.url, max: 1, queryTimeoutMs: 5_000, statementTimeoutMs: 300 });
    try {
      const slow = await timedRejection(handle.pool.query('select pg_sleep(3)'));
      expect(slow.ms).toBeLessThan(2_000);
      expect(slow.error.message).toMatch(/statement timeout/);
      expect((await handle.pool.query<{ n: number }>('select 1 as n')).rows).toEqual([{ n: 1 }]);
    } finally {
      await handle.close();
    }
  });

  it('lets a pool opt out (migrations)', async () => {
    const postgresUrl = inject('postgresUrl');
    if (!postgresUrl) return;
    database ??= await createTestDatabase(postgresUrl);
    const handle = createDb({ url: database.url, max: 1, queryTimeoutMs: 0, statementTimeoutMs: 0 });
    try {
      const { rows } = await handle.pool.query<{ statement_timeout: string }>('show statement_timeout');
      expect(rows).toEqual([{ statement_timeout: '0' }]);
    } finally {
      await handle.close();
    }
  });
});
