import type { ConfigRelay } from '@toolgate/auth/config-delivery';
import type { UsageBatch, UsageQueue } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { UsageJobCounters } from './usage/usage-batch-job.ts';

const LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** The oldest event time (epoch ms) of a batch, if any event carries one. */
function oldestEventAt(batch: UsageBatch): number | undefined {
  let oldest: number | undefined;
  for (const event of batch.events) {
    const at = (event as { at?: unknown } | null)?.at;
    if (typeof at === 'number' && Number.isFinite(at) && (oldest === undefined || at < oldest)) oldest = at;
  }
  return oldest;
}

/**
 * The worker's Prometheus metrics, in a registry of its own. Job counters are read from the
 * usage job at scrape time; queue depth is asked of the queue (one Redis round trip) per scrape.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly lag: Histogram;
  private readonly lastLag: Gauge;

  constructor({
    counters,
    queue,
    log,
    relay,
    processMetrics = true,
  }: {
    counters: UsageJobCounters;
    queue: Pick<UsageQueue, 'stats'>;
    log: Logger;
    /** The configuration-change relay: its counts, and the outbox depth (one query per scrape). */
    relay?: { stats: ConfigRelay['stats']; pending: () => Promise<number> };
    processMetrics?: boolean;
  }) {
    const registers = [this.registry];
    const monotonic = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    monotonic(
      'toolgate_usage_batches_processed_total',
      'Usage batches applied (first delivery of each batch id)',
      () => counters.batches,
    );
    monotonic('toolgate_usage_events_written_total', 'Audit events written', () => counters.events);
    monotonic(
      'toolgate_usage_batches_duplicate_total',
      'Deliveries of an already applied batch id, skipped',
      () => counters.duplicates,
    );
    monotonic(
      'toolgate_usage_batch_failures_total',
      'Attempts to apply a batch that failed (the queue delivers it again)',
      () => counters.failures,
    );
    monotonic(
      'toolgate_usage_events_invalid_total',
      'Malformed usage events or batches skipped',
      () => counters.invalidEvents,
    );
    if (relay) {
      monotonic(
        'toolgate_config_changes_relayed_total',
        'Configuration changes this worker delivered because their writer could not',
        () => relay.stats.delivered,
      );
      monotonic(
        'toolgate_config_relay_failed_passes_total',
        'Relay passes that left changes undelivered (the bus was unreachable)',
        () => relay.stats.failedPasses,
      );
      new Gauge({
        name: 'toolgate_config_changes_pending',
        help: 'Configuration changes recorded and not yet delivered to the proxies (the outbox)',
        registers,
        async collect() {
          try {
            this.set(await relay.pending());
          } catch (err) {
            log.warn({ err: (err as Error).message }, 'could not count pending configuration changes');
          }
        },
      });
    }
    new Gauge({
      name: 'toolgate_usage_queue_depth',
      help: 'Usage batches in the queue: waiting, being applied (active), failed for good',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        try {
          const stats = await queue.stats();
          this.set({ state: 'waiting' }, stats.waiting);
          this.set({ state: 'active' }, stats.active);
          this.set({ state: 'failed' }, stats.failed);
        } catch (err) {
          // An absent series says "unknown"; the scrape itself still succeeds.
          log.warn({ err: (err as Error).message }, 'usage queue stats unavailable for metrics');
        }
      },
    });
    this.lag = new Histogram({
      name: 'toolgate_usage_processing_lag_seconds',
      help: 'Per applied batch: now minus the time its oldest event was recorded by a proxy',
      buckets: LAG_BUCKETS,
      registers,
    });
    this.lastLag = new Gauge({
      name: 'toolgate_usage_last_batch_lag_seconds',
      help: 'Processing lag of the most recently applied batch (see toolgate_usage_processing_lag_seconds)',
      registers,
    });
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** A batch was handled without throwing: how old its oldest event is now. */
  batchApplied(batch: UsageBatch, now = Date.now()): void {
    const oldest = oldestEventAt(batch);
    if (oldest === undefined) return;
    const seconds = Math.max(0, (now - oldest) / 1000);
    this.lag.observe(seconds);
    this.lastLag.set(seconds);
  }

  /** The usage job's handler, observed. */
  observe(handle: (batch: UsageBatch) => Promise<void>): (batch: UsageBatch) => Promise<void> {
    return async (batch) => {
      await handle(batch);
      this.batchApplied(batch);
    };
  }
}
