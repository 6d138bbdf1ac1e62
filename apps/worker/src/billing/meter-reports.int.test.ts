import { randomBytes } from 'node:crypto';
import { meterEventIdentifier } from '@toolgate/api/services/billing';
import { createOutboxMailer } from '@toolgate/api/testing/outbox-mailer';
import { createBus, type Bus } from '@toolgate/bus';
import { parseEnv } from '@toolgate/core/env';
import { createLogger } from '@toolgate/core/logger';
import { tenantBilling, usageRollups } from '@toolgate/db/schema';
import { createTestDatabase, seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { startStripeServer, type StripeServer } from '@toolgate/fixtures/stripe-server';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildWorker, type Worker } from '../build-worker.ts';
import { ZWorkerEnv } from '../env.ts';

const log = createLogger({ name: 'meter-reports-worker-test', level: 'silent', pretty: false });
const METER = 'toolgate_tool_calls';
const HOUR = 3_600_000;

let db: TestDatabase;
let stripeServer: StripeServer;
const buses: Bus[] = [];
const workers: Worker[] = [];

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  stripeServer = await startStripeServer({ meters: [{ event_name: METER }] });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(buses.map((b) => b.close()));
  await stripeServer?.close();
  await db?.destroy();
});

function worker(env: Record<string, string>): Worker {
  const parsed = parseEnv(ZWorkerEnv, {
    DATABASE_URL: db.url,
    PUBLIC_WEB_URL: 'https://toolgate.example.test',
    INSTALLATION_HEALTH_INTERVAL_MS: '0',
    CONNECTION_REFRESH_AHEAD_MS: '0',
    STRIPE_SECRET_KEY: stripeServer.secretKey,
    STRIPE_WEBHOOK_SECRET: 'whsec_unused',
    STRIPE_API_URL: stripeServer.url,
    ...env,
  });
  const bus = createBus({
    redisUrl: inject('redisUrl') || undefined,
    prefix: `tgtest-${randomBytes(4).toString('hex')}`,
  });
  buses.push(bus);
  const built = buildWorker({ env: parsed, db, bus, log, mailer: createOutboxMailer() });
  workers.push(built);
  return built;
}

/** A subscribed tenant reported through three hours ago, with `calls` tool calls two hours ago. */
async function tenantWithCalls(calls: number) {
  const hourStart = new Date(Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR);
  const tenant = await seedTenant(db.db);
  const customerId = `cus_${randomBytes(8).toString('hex')}`;
  await db.db.insert(tenantBilling).values({
    tenantId: tenant.id,
    stripeCustomerId: customerId,
    stripeSubscriptionId: `sub_${randomBytes(8).toString('hex')}`,
    status: 'active',
    meterReportedThrough: new Date(hourStart.getTime() - HOUR),
  });
  await db.db.insert(usageRollups).values({
    tenantId: tenant.id,
    minute: new Date(hourStart.getTime() + 60_000),
    method: 'tools/call',
    status: 'ok',
    count: calls,
  });
  return { tenantId: tenant.id, customerId, hourStart };
}

const eventsOf = (customerId: string) =>
  stripeServer.state.meterEvents
    .filter((e) => e.payload.stripe_customer_id === customerId)
    .map((e) => ({ identifier: e.identifier, value: e.payload.value }));

describe('the meter reports job', () => {
  it('reports on its interval once the worker starts', async () => {
    const { tenantId, customerId, hourStart } = await tenantWithCalls(7);
    const running = worker({ STRIPE_METER_EVENT_NAME: METER, BILLING_METER_INTERVAL_MS: '50' });
    running.start();
    await eventually(() =>
      expect(eventsOf(customerId)).toEqual([
        { identifier: meterEventIdentifier(tenantId, hourStart), value: '7' },
      ]),
    );
    await running.stop();
  });

  it('does nothing without STRIPE_METER_EVENT_NAME', async () => {
    const { customerId } = await tenantWithCalls(3);
    const idle = worker({ BILLING_METER_INTERVAL_MS: '50' });
    expect(await idle.billing.meterReports()).toBeUndefined();
    expect(eventsOf(customerId)).toEqual([]);
  });
});
