import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createBus, type UsageBatch } from '@toolgate/bus';
import { parseEnv } from '@toolgate/core/env';
import { createLogger } from '@toolgate/core/logger';
import { parsePrometheusText, sampleValue, type Sample } from '@toolgate/core/testing/prometheus-text';
import type { UsageEvent } from '@toolgate/core/usage';
import { createTestDatabase, seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildWorker } from './build-worker.ts';
import { ZWorkerEnv } from './env.ts';

const log = createLogger({ name: 'worker-metrics-test', level: 'silent', pretty: false });
const METRICS_TOKEN = 'worker-metrics-token-0123456789';

function event(tenantId: string, at: number): UsageEvent {
  return {
    at,
    tenantId,
    gatewayId: null,
    requestId: randomUUID(),
    traceId: randomBytes(16).toString('hex'),
    principalType: 'token',
    principalId: `token:${randomUUID()}`,
    authMethod: 'api_token',
    sessionId: null,
    method: 'tools/call',
    toolName: 'echo',
    installationId: null,
    status: 'ok',
    errorCode: null,
    latencyMs: 1.5,
    requestBytes: 10,
    responseBytes: 20,
    policyOutcome: 'allow',
    request: null,
    response: null,
  };
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
});
afterAll(async () => {
  await db?.destroy();
});

describe('GET /metrics on the worker', () => {
  it('shows queue depth, batches processed, events written, duplicates and lag', async () => {
    const bus = createBus({
      redisUrl: inject('redisUrl') || undefined,
      prefix: `tgtest-${randomBytes(4).toString('hex')}`,
    });
    const env = parseEnv(ZWorkerEnv, { DATABASE_URL: db.url, METRICS_TOKEN });
    const worker = buildWorker({ env, db, bus, log });
    await new Promise<void>((resolve) => worker.server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(worker.server.address() as AddressInfo).port}/metrics`;
    const scrape = async (): Promise<Sample[]> => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).toBe(200);
      return parsePrometheusText(await res.text());
    };
    try {
      expect((await fetch(url)).status).toBe(401);
      const tenant = await seedTenant(db.db);
      const recordedAt = Date.now() - 5_000;
      const batch = (size: number): UsageBatch => ({
        id: randomUUID(),
        events: Array.from({ length: size }, (_, i) => event(tenant.id, recordedAt + i)),
      });
      const first = batch(3);
      await bus.usage.enqueue(first);
      await bus.usage.enqueue(batch(2));

      // Nothing consumes yet: both batches wait.
      await eventually(async () => {
        const samples = await scrape();
        expect(sampleValue(samples, 'toolgate_usage_queue_depth', { state: 'waiting' })).toBe(2);
        expect(sampleValue(samples, 'toolgate_usage_batches_processed_total')).toBe(0);
      });

      worker.start();
      await eventually(async () => {
        const samples = await scrape();
        expect(sampleValue(samples, 'toolgate_usage_batches_processed_total')).toBe(2);
        expect(sampleValue(samples, 'toolgate_usage_events_written_total')).toBe(5);
        expect(sampleValue(samples, 'toolgate_usage_queue_depth', { state: 'waiting' })).toBe(0);
        expect(sampleValue(samples, 'toolgate_usage_processing_lag_seconds_count')).toBe(2);
        // Recorded five seconds ago: no batch was applied sooner than that.
        expect(sampleValue(samples, 'toolgate_usage_processing_lag_seconds_bucket', { le: '2' })).toBe(0);
        expect(sampleValue(samples, 'toolgate_usage_last_batch_lag_seconds')).toBeGreaterThanOrEqual(5);
      });

      // A redelivered batch (same id) is skipped and counted.
      await worker.usage.handle(first);
      const samples = await scrape();
      expect(sampleValue(samples, 'toolgate_usage_batches_duplicate_total')).toBe(1);
      expect(sampleValue(samples, 'toolgate_usage_events_written_total')).toBe(5);
      expect(sampleValue(samples, 'toolgate_usage_batch_failures_total')).toBe(0);
      expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    } finally {
      await worker.stop();
      await bus.close();
    }
  });
});
