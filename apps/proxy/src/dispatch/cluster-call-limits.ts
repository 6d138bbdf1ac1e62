import { LeasingRateLimiter, LocalFallbackRateLimiter, type Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';
import type { ProxyMetrics } from '../observability/metrics.ts';
import type { RefusalLog } from '../observability/refusal-log.ts';
import { CallLimits } from './call-limits.ts';

/**
 * The proxy's rate limits and quotas, counted in Redis across replicas; while Redis cannot answer,
 * per replica (and the metric says so). Tenants far from their limits spend leases counted in
 * Redis ahead (no round trip per call). Refusals are counted and summarised.
 */
export function clusterCallLimits({
  bus,
  log,
  metrics,
  refusals,
  clock,
}: {
  bus: Bus;
  log: Logger;
  metrics: ProxyMetrics;
  refusals: RefusalLog;
  /** The clock of rate limits and quotas (unix ms). */
  clock?: () => number;
}): CallLimits {
  const limiter = new LocalFallbackRateLimiter(new LeasingRateLimiter(bus.rateLimits), {
    onDegradedChange: (degraded, err) =>
      degraded
        ? log.warn(
            { err: (err as Error | undefined)?.message },
            'call limits counted per replica: Redis unreachable',
          )
        : log.info('call limits counted cluster-wide again'),
  });
  metrics.watchLimiter(limiter);
  return new CallLimits(limiter, {
    ...(clock ? { now: clock } : {}),
    onRefused: (refusal) => {
      refusals.note(refusal.reason);
      metrics.limitRefused(refusal.reason, refusal.limit);
    },
  });
}
