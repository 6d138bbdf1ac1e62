import { createServer, type Server } from 'node:http';
import { createMailer } from '@toolgate/api/mail/create-mailer';
import type { Mailer } from '@toolgate/api/mail/mailer';
import type { AnnouncementBatchResult } from '@toolgate/api/services/approvals';
import { ConfigRelay } from '@toolgate/auth/config-delivery';
import { issuerFrom } from '@toolgate/auth/constants';
import type { Bus, UsageBatch, UsageConsumer } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { metricsHandler } from '@toolgate/core/metrics-endpoint';
import { ReadinessProbe } from '@toolgate/core/readiness';
import { parseKeyRing } from '@toolgate/core/crypto';
import { billingConfigFromEnv, plansFromEnv } from '@toolgate/core/plans-env';
import type { DbHandle } from '@toolgate/db/client';
import { countPendingConfigChanges } from '@toolgate/db/config-outbox';
import type { WorkerEnv } from './env.ts';
import { createApprovalAnnouncer } from './approval-announcements.ts';
import { createGraceSweep } from './billing/grace-sweep.ts';
import { createMeterReports } from './billing/meter-reports.ts';
import { createQuotaNotices } from './billing/quota-notices.ts';
import { createConnectionRefresh } from './connection-refresh.ts';
import { createInstallationHealth } from './installation-health.ts';
import { WorkerMetrics } from './metrics.ts';
import { createRetention } from './usage/retention.ts';
import { createUsageBatchHandler, type UsageJobCounters } from './usage/usage-batch-job.ts';

export interface WorkerDeps {
  env: WorkerEnv;
  db: DbHandle;
  bus: Bus;
  log: Logger;
  /**
   * Emails approvers, and admins of servers whose version changed; default: SMTP from the
   * environment (nobody is emailed without it).
   */
  mailer?: Mailer;
}

export interface Worker {
  /** Health, readiness and metrics on the worker's port. */
  server: Server;
  metrics: WorkerMetrics;
  usage: {
    /** Applies one usage batch (what the queue consumer calls; idempotent per batch id). */
    handle(batch: UsageBatch): Promise<void>;
    counters: UsageJobCounters;
    /** Runs one retention pass now. */
    expire(now?: Date): Promise<{ auditEvents: number; rollups: number; batchIds: number }>;
  };
  /** Billing and quota passes, run now (tests). */
  billing: {
    quotaNotices(now?: Date): Promise<unknown>;
    meterReports(now?: Date): Promise<unknown>;
    graceSweep(now?: Date): Promise<unknown>;
  };
  /** Runs one sweep of installation health checks now. */
  checkInstallations(): Promise<void>;
  /** Runs one sweep of connected-account refreshes now. */
  refreshConnections(): Promise<void>;
  /** Delivers the approval announcements due now (emails and webhooks). */
  announceApprovals(): Promise<AnnouncementBatchResult>;
  start(): void;
  stop(): Promise<void>;
}

/** Builds the background worker: queue consumers plus its small HTTP endpoint. */
export function buildWorker({ env, db, bus, log, mailer }: WorkerDeps): Worker {
  const consumers: UsageConsumer[] = [];
  let stopping = false;
  const usageJob = createUsageBatchHandler({ db: db.db, log });
  // Delivers configuration changes their writers could not (Redis unreachable from web).
  const relay = new ConfigRelay({ db: db.db, bus, log });
  const mail =
    mailer ??
    createMailer({
      smtpUrl: env.SMTP_URL,
      from: env.MAIL_FROM,
      log,
      ...(env.TOOLGATE_MAIL_OUTBOX_DIR ? { outboxDir: env.TOOLGATE_MAIL_OUTBOX_DIR } : {}),
    });
  const health = createInstallationHealth({
    db: db.db,
    log,
    intervalMs: env.INSTALLATION_HEALTH_INTERVAL_MS,
    issuer: issuerFrom(env.PUBLIC_WEB_URL),
    allowPrivate: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS,
    bus,
    mailer: mail,
    publicWebUrl: env.PUBLIC_WEB_URL,
    ...(env.TOOLGATE_SECRET_KEYS ? { secretKeys: parseKeyRing(env.TOOLGATE_SECRET_KEYS) } : {}),
  });
  const connections = createConnectionRefresh({
    db: db.db,
    bus,
    log,
    aheadMs: env.CONNECTION_REFRESH_AHEAD_MS,
    intervalMs: env.CONNECTION_REFRESH_INTERVAL_MS,
    allowPrivate: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS,
    ...(env.TOOLGATE_SECRET_KEYS ? { secretKeys: parseKeyRing(env.TOOLGATE_SECRET_KEYS) } : {}),
  });
  const approvals = createApprovalAnnouncer({
    db: db.db,
    log,
    mailer: mail,
    publicWebUrl: env.PUBLIC_WEB_URL,
    allowPrivate: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS,
    intervalMs: env.APPROVAL_ANNOUNCE_INTERVAL_MS,
    timeoutMs: env.APPROVAL_WEBHOOK_TIMEOUT_MS,
    ...(env.TOOLGATE_SECRET_KEYS ? { secretKeys: parseKeyRing(env.TOOLGATE_SECRET_KEYS) } : {}),
  });
  const billingDeps = {
    db: db.db,
    bus,
    log,
    mailer: mail,
    plans: plansFromEnv(env),
    billing: billingConfigFromEnv(env),
    publicWebUrl: env.PUBLIC_WEB_URL,
  };
  const quotaNotices = createQuotaNotices({ ...billingDeps, intervalMs: env.QUOTA_NOTICE_INTERVAL_MS });
  const meterReports = createMeterReports({ ...billingDeps, intervalMs: env.BILLING_METER_INTERVAL_MS });
  const graceSweep = createGraceSweep({ ...billingDeps, intervalMs: env.BILLING_SWEEP_INTERVAL_MS });
  const metrics = new WorkerMetrics({
    counters: usageJob.counters,
    queue: bus.usage,
    log,
    relay: { stats: relay.stats, pending: () => countPendingConfigChanges(db.db) },
  });
  const handleUsage = metrics.observe(usageJob.handle);
  const serveMetrics = metricsHandler(metrics.registry, env.METRICS_TOKEN);
  const retention = createRetention({
    db: db.db,
    log,
    intervalMs: env.USAGE_RETENTION_INTERVAL_MS,
    defaultAuditDays: env.AUDIT_RETENTION_DEFAULT_DAYS,
    rollupDays: env.USAGE_ROLLUP_RETENTION_DAYS,
    batchIdHours: env.USAGE_BATCH_ID_RETENTION_HOURS,
    // Audit events are kept no longer than the tenant's plan allows.
    plans: billingDeps.plans,
  });

  // Both are essential: batches come from the queue (BullMQ on Redis) and are written to Postgres.
  // With the in-process bus the queue lives in this process; there is nothing to check.
  const readiness = new ReadinessProbe({
    checks: { postgres: () => db.ping(), ...(bus.kind === 'redis' ? { redis: () => bus.ping() } : {}) },
  });

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/healthz') return send(200, { status: 'ok' });
    if (path === '/metrics') {
      serveMetrics(req, res).catch((err: unknown) => {
        log.error({ err }, 'metrics collection failed');
        if (!res.headersSent) send(500, { error: { code: 'INTERNAL', message: 'metrics unavailable' } });
      });
      return;
    }
    if (path === '/readyz') {
      if (stopping) return send(503, { status: 'draining', ready: false, checks: {}, draining: true });
      readiness.check().then(
        (report) => send(report.ready ? 200 : 503, report),
        () => send(503, { status: 'unavailable', ready: false, checks: {} }),
      );
      return;
    }
    send(404, { error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${path}` } });
  });

  return {
    server,
    metrics,
    usage: { handle: handleUsage, counters: usageJob.counters, expire: retention.runOnce },
    checkInstallations: () => health.runOnce(),
    refreshConnections: () => connections.runOnce(),
    announceApprovals: () => approvals.runOnce(),
    billing: {
      quotaNotices: (now) => quotaNotices.runOnce(now),
      meterReports: (now) => meterReports.runOnce(now),
      graceSweep: (now) => graceSweep.runOnce(now),
    },
    start() {
      if (consumers.length > 0) return;
      consumers.push(bus.usage.consume(handleUsage, { concurrency: env.USAGE_CONCURRENCY }));
      retention.start();
      relay.start();
      health.start();
      connections.start();
      approvals.start();
      quotaNotices.start();
      meterReports.start();
      graceSweep.start();
    },
    async stop() {
      stopping = true;
      if (bus.kind === 'memory' && consumers.length > 0)
        await drainInProcessQueue(bus, env.USAGE_DRAIN_TIMEOUT_MS);
      await Promise.all([
        ...consumers.map((c) => c.close()),
        retention.stop(),
        relay.stop(),
        health.stop(),
        connections.stop(),
        approvals.stop(),
        quotaNotices.stop(),
        meterReports.stop(),
        graceSweep.stop(),
      ]);
      consumers.length = 0;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * The in-process queue lives and dies with this process: before its consumers stop, let them
 * apply what proxies have handed over (their own drain ran first), bounded by `timeoutMs`.
 */
async function drainInProcessQueue(bus: Bus, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { waiting, active } = await bus.usage.stats();
    if ((waiting === 0 && active === 0) || Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
