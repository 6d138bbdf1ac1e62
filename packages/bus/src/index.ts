import { createMemoryBus } from './memory.ts';
import { createLazyRedisBus } from './lazy-redis.ts';
import type { Bus } from './types.ts';

export type * from './types.ts';
export { RevocationsNotLoadedError } from './types.ts';
export {
  LocalFallbackRateLimiter,
  calendarMonth,
  createMemoryRateLimiter,
  monthlyQuota,
  type LocalFallbackOptions,
} from './rate-limits.ts';
export { LeasingRateLimiter, type LeasingOptions } from './leasing-rate-limits.ts';
export { BusLinkClosedError, createLinkedBus, portLink, processLink, serveBus, type BusLink } from './ipc.ts';
export {
  applyConfigChange,
  invalidateGateways,
  invalidateToken,
  invalidateUser,
  publishRevocation,
  snapshotKey,
  tokenKey,
  userPrincipalKey,
} from './invalidate.ts';

/**
 * Redis/BullMQ when a URL is configured (their clients loaded on first use), else the in-process
 * bus shared by this process.
 */
export function createBus({ redisUrl, prefix }: { redisUrl?: string; prefix?: string }): Bus {
  return redisUrl ? createLazyRedisBus({ url: redisUrl, prefix }) : createMemoryBus({ namespace: prefix });
}
