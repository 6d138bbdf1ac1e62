import { randomBytes, randomUUID } from 'node:crypto';
import { createOutboxMailer } from '@toolgate/api/testing/outbox-mailer';
import { createBus, type Bus } from '@toolgate/bus';
import { generateKeySpec } from '@toolgate/core/crypto';
import { parseEnv } from '@toolgate/core/env';
import { createLogger } from '@toolgate/core/logger';
import type { UsageEvent } from '@toolgate/core/usage';
import { memberships, quotaNotices } from '@toolgate/db/schema';
import {
  createTestDatabase,
  seedMember,
  seedTenant,
  seedUser,
  type TestDatabase,
} from '@toolgate/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildWorker, type Worker } from '../build-worker.ts';
import { ZWorkerEnv } from '../env.ts';
import type { QuotaNoticesResult } from './quota-notices.ts';

/**
 * The quota warnings pass: two workers on one database (as in production), a mailer that keeps
 * what it is given, usage written through the worker's own batch handler, and the clock injected.
 */

const log = createLogger({ name: 'quota-notices-test', level: 'silent', pretty: false });
const WEB = 'https://toolgate.example.test';
const MARCH_15 = new Date('2026-03-15T12:00:00Z');
const MARCH_20 = new Date('2026-03-20T12:00:00Z');
const APRIL_2 = new Date('2026-04-02T08:00:00Z');

let db: TestDatabase;
const mailer = createOutboxMailer();
const buses: Bus[] = [];
const workers: Worker[] = [];

beforeAll(async () => {
  db = await createTestDatabase(inject('postgresUrl'));
  const env = parseEnv(ZWorkerEnv, {
    DATABASE_URL: db.url,
    PUBLIC_WEB_URL: WEB,
    TOOLGATE_SECRET_KEYS: generateKeySpec(),
    TOOLGATE_PLANS: JSON.stringify({
      defaultPlan: 'open',
      plans: { open: { limits: {} }, small: { limits: { callsPerMonth: 10 } } },
    }),
    QUOTA_NOTICE_INTERVAL_MS: '0',
    INSTALLATION_HEALTH_INTERVAL_MS: '0',
    CONNECTION_REFRESH_AHEAD_MS: '0',
  });
  const prefix = `tgtest-${randomBytes(4).toString('hex')}`;
  for (let i = 0; i < 2; i++) {
    const bus = createBus({ redisUrl: inject('redisUrl') || undefined, prefix });
    buses.push(bus);
    workers.push(buildWorker({ env, db, bus, log, mailer }));
  }
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(buses.map((b) => b.close()));
  await db?.destroy();
});

function toolCall(tenantId: string, at: Date, overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    at: at.getTime(),
    tenantId,
    gatewayId: null,
    requestId: randomUUID(),
    traceId: randomUUID().replaceAll('-', ''),
    principalType: 'token',
    principalId: null,
    authMethod: 'api_token',
    sessionId: null,
    method: 'tools/call',
    toolName: 'echo',
    installationId: null,
    status: 'ok',
    errorCode: null,
    latencyMs: 2,
    requestBytes: 10,
    responseBytes: 10,
    policyOutcome: null,
    request: null,
    response: null,
    ...overrides,
  };
}

/** `n` tool calls at `at`, through the worker's usage handler as the queue delivers them. */
const calls = (tenantId: string, n: number, at: Date, overrides: Partial<UsageEvent> = {}) =>
  workers[0]!.usage.handle({
    id: `test-${randomUUID()}`,
    events: Array.from({ length: n }, () => toolCall(tenantId, at, overrides)),
  });

const pass = async (now: Date) => (await workers[0]!.billing.quotaNotices(now)) as QuotaNoticesResult;

/** A workspace on the `small` plan (10 calls a month) with an owner, an admin, a member and an unverified admin. */
async function smallWorkspace() {
  const tenant = await seedTenant(db.db, { plan: 'small', name: 'Acme Research' });
  const owner = await seedMember(db.db, tenant.id, 'owner');
  const admin = await seedMember(db.db, tenant.id, 'admin');
  const member = await seedMember(db.db, tenant.id, 'member');
  const unverified = await seedUser(db.db, { emailVerifiedAt: null });
  await db.db.insert(memberships).values({ tenantId: tenant.id, userId: unverified.id, role: 'admin' });
  return { tenant, owner, admin, member, unverified };
}

const mailTo = (tenantSlug: string) =>
  mailer.messages.filter((m) => m.kind === 'quota-warning' && m.link === `${WEB}/t/${tenantSlug}/usage`);

describe('quota warnings from the worker', () => {
  it('emails owners and admins once at 80%, once at 100%, and again in the next month', async () => {
    const w = await smallWorkspace();
    const slug = w.tenant.slug;
    // 7 calls that ran and 5 refused ones (not counted): below 80%.
    await calls(w.tenant.id, 7, MARCH_15);
    await calls(w.tenant.id, 5, MARCH_15, { status: 'denied', policyOutcome: 'deny:quota_exceeded' });
    await pass(MARCH_15);
    expect(mailTo(slug)).toEqual([]);

    await calls(w.tenant.id, 1, MARCH_15, { status: 'tool_error' });
    const first = await pass(MARCH_15);
    expect(first.sent.filter((s) => s.tenantId === w.tenant.id)).toEqual([
      { tenantId: w.tenant.id, threshold: 80, used: 8, limit: 10, recipients: 2, failed: 0 },
    ]);
    const warned = mailTo(slug);
    expect(warned.map((m) => m.to).sort()).toEqual([w.owner.email, w.admin.email].sort());
    expect(warned[0]!.subject).toBe('Acme Research used 80% of its monthly tool-call quota');
    expect(warned[0]!.text).toContain('8 of 10 tool calls this month');
    expect(warned[0]!.text).toContain('Wed, 01 Apr 2026 00:00:00 GMT');
    expect(warned[0]!.html).toContain(`${WEB}/t/${slug}/usage`);

    // Again, on both workers at once: nothing new.
    await Promise.all([pass(MARCH_20), workers[1]!.billing.quotaNotices(MARCH_20)]);
    expect(mailTo(slug)).toHaveLength(2);

    await calls(w.tenant.id, 2, MARCH_20);
    await pass(MARCH_20);
    const exceeded = mailTo(slug).slice(2);
    expect(exceeded.map((m) => m.to).sort()).toEqual([w.owner.email, w.admin.email].sort());
    expect(exceeded[0]!.subject).toBe('Acme Research reached its monthly tool-call quota');
    expect(exceeded[0]!.text).toContain('10 of 10 tool calls this month');
    expect(exceeded[0]!.text).toContain(
      'New tool calls are refused until the quota resets on Wed, 01 Apr 2026',
    );
    await pass(MARCH_20);
    expect(mailTo(slug)).toHaveLength(4);

    // April starts afresh: its own 80% warning once April's calls reach it.
    await pass(APRIL_2);
    expect(mailTo(slug)).toHaveLength(4);
    await calls(w.tenant.id, 8, APRIL_2);
    await pass(APRIL_2);
    const april = mailTo(slug).slice(4);
    expect(april).toHaveLength(2);
    expect(april[0]!.subject).toContain('80%');
    expect(april[0]!.text).toContain('Fri, 01 May 2026');

    const rows = await db.db.select().from(quotaNotices).where(eq(quotaNotices.tenantId, w.tenant.id));
    expect(rows.map((r) => [r.periodStart.toISOString(), r.threshold]).sort()).toEqual([
      ['2026-03-01T00:00:00.000Z', 100],
      ['2026-03-01T00:00:00.000Z', 80],
      ['2026-04-01T00:00:00.000Z', 80],
    ]);
  });

  it('past both thresholds at once sends the 100% email alone', async () => {
    const w = await smallWorkspace();
    await calls(w.tenant.id, 12, MARCH_15);
    await pass(MARCH_15);
    const sent = mailTo(w.tenant.slug);
    expect(sent).toHaveLength(2);
    expect(sent.every((m) => m.subject.includes('reached its monthly tool-call quota'))).toBe(true);
    await pass(MARCH_15);
    expect(mailTo(w.tenant.slug)).toHaveLength(2);
  });

  it('leaves workspaces without a quota, below 80%, or with an override lifting it alone', async () => {
    const unlimited = await seedTenant(db.db);
    await seedMember(db.db, unlimited.id, 'owner');
    await calls(unlimited.id, 50, MARCH_15);
    const below = await smallWorkspace();
    await calls(below.tenant.id, 7, MARCH_15);
    const lifted = await seedTenant(db.db, { plan: 'small', limitOverrides: { callsPerMonth: null } });
    await seedMember(db.db, lifted.id, 'owner');
    await calls(lifted.id, 50, MARCH_15);
    const raised = await seedTenant(db.db, { plan: 'small', limitOverrides: { callsPerMonth: 1000 } });
    await calls(raised.id, 50, MARCH_15);
    const result = await pass(MARCH_15);
    const ids = [unlimited.id, below.tenant.id, lifted.id, raised.id];
    expect(result.sent.filter((s) => ids.includes(s.tenantId))).toEqual([]);
    for (const slug of [unlimited.slug, below.tenant.slug, lifted.slug, raised.slug])
      expect(mailTo(slug)).toEqual([]);
  });

  it('a failed send is counted and not retried: the warning stands recorded', async () => {
    const w = await smallWorkspace();
    await calls(w.tenant.id, 9, MARCH_15);
    mailer.failing = true;
    try {
      const result = await pass(MARCH_15);
      expect(result.sent.find((s) => s.tenantId === w.tenant.id)).toMatchObject({ recipients: 2, failed: 2 });
    } finally {
      mailer.failing = false;
    }
    await pass(MARCH_15);
    expect(mailTo(w.tenant.slug)).toEqual([]);
  });
});
