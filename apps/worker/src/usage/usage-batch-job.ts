import type { UsageBatch } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import { ZUsageEvent, type UsageEvent } from '@toolgate/core/usage';
import type { Database } from '@toolgate/db/client';
import { applyUsageBatch } from '@toolgate/db/usage';

/** What the usage consumer has done since start (for metrics and tests). */
export interface UsageJobCounters {
  /** Batches applied (first delivery). */
  batches: number;
  /** Deliveries of a batch id already applied, skipped. */
  duplicates: number;
  /** Audit events written. */
  events: number;
  /** Events that failed validation and were skipped (logged). */
  invalidEvents: number;
  /** Attempts that threw (the queue delivers the batch again later). */
  failures: number;
}

/**
 * The handler of the usage-batch job (payload: UsageBatch of UsageEvent, see
 * @toolgate/core/usage). Idempotent: applying a batch id twice writes nothing the second time.
 * A malformed event is skipped rather than failing the whole batch for ever.
 */
export function createUsageBatchHandler({ db, log }: { db: Database; log: Logger }) {
  const counters: UsageJobCounters = { batches: 0, duplicates: 0, events: 0, invalidEvents: 0, failures: 0 };

  async function handle(batch: UsageBatch): Promise<void> {
    if (typeof batch?.id !== 'string' || !batch.id || !Array.isArray(batch.events)) {
      counters.invalidEvents++;
      log.error({ batchId: (batch as { id?: unknown } | undefined)?.id }, 'malformed usage batch skipped');
      return;
    }
    const events: UsageEvent[] = [];
    for (const raw of batch.events) {
      const parsed = ZUsageEvent.safeParse(raw);
      if (parsed.success) events.push(parsed.data);
      else {
        counters.invalidEvents++;
        log.warn(
          { batchId: batch.id, issues: parsed.error.issues.slice(0, 3) },
          'invalid usage event skipped',
        );
      }
    }
    try {
      const result = await applyUsageBatch(db, { id: batch.id, events });
      if (!result.applied) {
        counters.duplicates++;
        log.debug({ batchId: batch.id }, 'usage batch already applied');
        return;
      }
      counters.batches++;
      counters.events += result.events;
    } catch (err) {
      counters.failures++;
      log.warn({ batchId: batch.id, err: (err as Error).message }, 'usage batch failed; it will be retried');
      throw err;
    }
  }

  return { handle, counters };
}
