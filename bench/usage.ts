import { randomBytes, randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createBus, type UsageBatch } from '@toolgate/bus';
import { createLogger } from '@toolgate/core/logger';
import type { UsageEvent, UsageStatus } from '@toolgate/core/usage';
import { createTestDatabase, seedTenant } from '@toolgate/db/testing';
import { UsageRecorder } from '@toolgate/proxy/usage/recorder';
import { Redis } from 'ioredis';
import { startBenchChild } from './child-process.ts';
import { usageBenchEnv } from './env.ts';
import { cpuMicros } from './proc-stats.ts';
import { percentile } from './stats.ts';

/**
 * `npm run bench:usage`: how many usage events per second ONE worker process applies (audit rows
 * and rollups in one transaction per batch) from a real BullMQ queue into real Postgres, and the
 * end-to-end lag (event recorded → its batch applied) at steady rates up to that capacity.
 * Events go through the proxy's own UsageRecorder, so batching and its flush timer are the real
 * ones. A measurement, not a test: it exits 0 whatever the figures.
 */
const env = usageBenchEnv();
const WORKER_ENTRY = fileURLToPath(new URL('./usage-worker-process.ts', import.meta.url));
const log = createLogger({ name: 'bench-usage', level: 'warn', pretty: false });
const progress = (line: string) => process.stderr.write(`  ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cpuList = cpus();
process.stdout.write(
  [
    'Toolgate bench:usage — recorder → BullMQ (Redis) → one worker process → Postgres',
    `node ${process.version} · ${cpuList.length} CPU (${cpuList[0]?.model.trim() ?? '?'}) · ` +
      `batches of ${env.BENCH_USAGE_BATCH_SIZE} · worker concurrency ${env.BENCH_USAGE_CONCURRENCY} · ` +
      `backlog ${env.BENCH_USAGE_EVENTS} events · steady phases ${env.BENCH_USAGE_SECONDS} s`,
    '',
  ].join('\n'),
);

const db = await createTestDatabase(env.BENCH_DATABASE_URL);
const prefix = `tgbench-${randomBytes(4).toString('hex')}`;
const bus = createBus({ redisUrl: env.BENCH_REDIS_URL, prefix });
const worker = await startWorker();
try {
  const tenant = await seedTenant(db.db);
  const shape = eventShape(tenant.id);

  /** Batches handed to the queue, with their events' times, for the lag afterwards. */
  let sent = new Map<string, number[]>();
  const queue = {
    enqueue(batch: UsageBatch) {
      sent.set(
        batch.id,
        (batch.events as UsageEvent[]).map((e) => e.at),
      );
      return bus.usage.enqueue(batch);
    },
  };
  const recorder = new UsageRecorder({
    queue,
    log,
    batchSize: env.BENCH_USAGE_BATCH_SIZE,
    flushIntervalMs: 1_000,
    maxBufferedEvents: 10_000_000,
  });
  recorder.start();

  const drained = async (deadlineMs: number) => {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const stats = await bus.usage.stats();
      if (stats.waiting === 0 && stats.active === 0 && recorder.buffered === 0) return true;
      if (Date.now() > deadline) return false;
      await sleep(20);
    }
  };

  // Warm-up: JIT, pools, prepared plans.
  for (let i = 0; i < 5_000; i++) recorder.record(shape(Date.now()));
  await recorder.flush();
  await drained(60_000);

  // Capacity: a backlog recorded as fast as possible, drained by the worker.
  progress(`capacity: ${env.BENCH_USAGE_EVENTS} events`);
  sent = new Map();
  const cpu0 = cpuMicros(worker.pid);
  const started = performance.now();
  for (let i = 0; i < env.BENCH_USAGE_EVENTS; i++) {
    recorder.record(shape(Date.now()));
    // Let the recorder's enqueues run while the backlog builds.
    if (i % env.BENCH_USAGE_BATCH_SIZE === 0) await new Promise((r) => setImmediate(r));
  }
  await recorder.flush();
  const finished = await drained(600_000);
  const elapsed = (performance.now() - started) / 1000;
  const capacity = env.BENCH_USAGE_EVENTS / elapsed;
  const cpuPerEvent = (cpuMicros(worker.pid) - cpu0) / env.BENCH_USAGE_EVENTS;
  const capacityLag = await lagOf(sent);
  progress(
    `capacity: ${Math.round(capacity)} events/s, worker ${cpuPerEvent.toFixed(1)} µs CPU/event${finished ? '' : ' (did not finish)'}`,
  );

  // Steady rates: lag from an event's recording to its batch being applied.
  const steady: {
    fraction: number;
    rate: number;
    achieved: number;
    p50: number;
    p99: number;
    max: number;
  }[] = [];
  for (const fraction of env.BENCH_USAGE_RATES) {
    const rate = Math.max(1, Math.round(capacity * fraction));
    progress(`steady: ${rate} events/s for ${env.BENCH_USAGE_SECONDS} s`);
    sent = new Map();
    const phaseStart = performance.now();
    let recorded = 0;
    while (performance.now() - phaseStart < env.BENCH_USAGE_SECONDS * 1000) {
      const due = Math.floor(((performance.now() - phaseStart) / 1000) * rate);
      const now = Date.now();
      for (; recorded < due; recorded++) recorder.record(shape(now));
      await sleep(5);
    }
    const phaseSeconds = (performance.now() - phaseStart) / 1000;
    await recorder.flush();
    await drained(600_000);
    const lag = await lagOf(sent);
    steady.push({ fraction, rate, achieved: recorded / phaseSeconds, ...lag });
    progress(`  lag p50 ${lag.p50.toFixed(0)} ms, p99 ${lag.p99.toFixed(0)} ms`);
  }
  await recorder.drain(10_000);

  const { rows } = await db.pool.query<{ n: number }>(
    'select count(*)::int as n from audit_events where tenant_id = $1',
    [tenant.id],
  );
  const expected = recorder.counters.recorded;
  const rollup = await db.pool.query<{ n: number }>(
    'select coalesce(sum(count), 0)::int as n from usage_rollups where tenant_id = $1',
    [tenant.id],
  );

  const lines = [
    '',
    `capacity (one worker)       ${Math.round(capacity).toLocaleString('en')} events/s   ` +
      `(${env.BENCH_USAGE_EVENTS} events in ${elapsed.toFixed(2)} s; worker CPU ${cpuPerEvent.toFixed(1)} µs/event)`,
    `lag while draining backlog  p50 ${capacityLag.p50.toFixed(0)} ms  p99 ${capacityLag.p99.toFixed(0)} ms  (queueing, not steady state)`,
    '',
    'steady rate                 events/s   lag p50   lag p99   lag max',
    ...steady.map(
      (s) =>
        `${`${Math.round(s.fraction * 100)}% of capacity`.padEnd(28)}${Math.round(s.achieved)
          .toString()
          .padStart(
            8,
          )}   ${`${s.p50.toFixed(0)} ms`.padStart(7)}   ${`${s.p99.toFixed(0)} ms`.padStart(7)}   ${`${s.max.toFixed(0)} ms`.padStart(7)}`,
    ),
    '',
    'lag = from an event being recorded to the start of the transaction that applied its batch',
    `(includes the recorder's batching: a batch waits until ${env.BENCH_USAGE_BATCH_SIZE} events or 1 s).`,
    `check: ${expected} events recorded, ${rows[0]!.n} audit rows, rollups sum to ${rollup.rows[0]!.n}` +
      (expected === rows[0]!.n && expected === rollup.rows[0]!.n ? ' — all applied once' : ' — MISMATCH'),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await worker.stop();
  await bus.close();
  await removeKeys(env.BENCH_REDIS_URL, prefix);
  await db.destroy();
}

/** Lag of every event of the given batches: when its batch was applied minus when it was recorded. */
async function lagOf(batches: Map<string, number[]>) {
  const ids = [...batches.keys()];
  const { rows } = await db.pool.query<{ batch_id: string; at: number }>(
    'select batch_id, extract(epoch from processed_at) * 1000 as at from processed_usage_batches where batch_id = any($1)',
    [ids],
  );
  const lags: number[] = [];
  for (const row of rows) for (const at of batches.get(row.batch_id) ?? []) lags.push(Number(row.at) - at);
  return { p50: percentile(lags, 50), p99: percentile(lags, 99), max: percentile(lags, 100) };
}

/**
 * Synthetic but realistic events: a few callers, tools and servers, mostly successes, small
 * captured arguments and results (what the proxy keeps after redaction and capping).
 */
function eventShape(tenantId: string) {
  const gateways = [randomUUID(), randomUUID()];
  const installations = [randomUUID(), randomUUID(), randomUUID()];
  const callers = Array.from({ length: 10 }, () => `token:${randomUUID()}`);
  const tools = ['search_issues', 'create_issue', 'get_file', 'list_repos', 'query'];
  const statuses: UsageStatus[] = ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'tool_error', 'error'];
  let n = 0;
  return (at: number): UsageEvent => {
    n++;
    const status = statuses[n % statuses.length]!;
    const tool = tools[n % tools.length]!;
    return {
      at,
      tenantId,
      gatewayId: gateways[n % gateways.length]!,
      requestId: randomUUID(),
      traceId: randomUUID().replaceAll('-', ''),
      principalType: 'token',
      principalId: callers[n % callers.length]!,
      authMethod: 'api_token',
      sessionId: `s${n % 50}`,
      method: 'tools/call',
      toolName: tool,
      installationId: installations[n % installations.length]!,
      status,
      errorCode: status === 'error' ? -32010 : null,
      latencyMs: 0.5 + (n % 97) * 1.7,
      requestBytes: 180 + (n % 50),
      responseBytes: 400 + (n % 300),
      policyOutcome: 'allow',
      request: { query: `is:open label:bug repo:acme/app page ${n % 7}`, limit: 20 },
      response:
        status === 'error'
          ? { code: -32010, message: 'upstream unreachable' }
          : {
              content: [{ type: 'text', text: `Found ${n % 40} results for the query; first: #${n % 1000}` }],
            },
    };
  };
}

function startWorker(): Promise<{ pid: number; stop(): Promise<void> }> {
  return startBenchChild('worker', WORKER_ENTRY, {
    PATH: env.PATH,
    HOME: env.HOME,
    DATABASE_URL: db.url,
    REDIS_URL: env.BENCH_REDIS_URL,
    BENCH_BUS_PREFIX: prefix,
    USAGE_CONCURRENCY: String(env.BENCH_USAGE_CONCURRENCY),
    LOG_LEVEL: 'warn',
  });
}

/** The queue keeps completed jobs (with their data) for an hour: remove this run's keys now. */
async function removeKeys(url: string, keyPrefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
