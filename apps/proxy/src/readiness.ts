import type { Bus } from '@toolgate/bus';
import { ReadinessProbe } from '@toolgate/core/readiness';
import type { DbHandle } from '@toolgate/db/client';
import type { SnapshotStore } from './config/snapshot-store.ts';

/**
 * Readiness of a proxy: can it serve traffic? A gateway's configuration comes from Postgres, the
 * shared cache (Redis) or this replica's memory, so neither dependency alone is essential: with
 * one of them down the proxy stays ready and reports itself degraded. With both down, only a
 * replica that has loaded configuration since it started can still serve (what it holds), so a
 * cold one is not ready and the load balancer sends its traffic to warm ones. The in-process bus
 * (one machine) has nothing to check and is always there; a linked bus (the proxy process of
 * `toolgate start`) checks that the parent process serving it answers.
 */
export function proxyReadiness(db: DbHandle, bus: Bus, store: SnapshotStore): ReadinessProbe {
  const holdsConfiguration = () => store.stats.compiles + store.stats.sharedHits > 0;
  return new ReadinessProbe({
    checks: {
      postgres: () => db.ping(),
      ...(bus.kind === 'redis'
        ? { redis: () => bus.ping() }
        : bus.kind === 'linked'
          ? { bus: () => bus.ping() }
          : {}),
    },
    canServe: (checks) => checks.postgres?.ok !== false || checks.redis?.ok !== false || holdsConfiguration(),
  });
}
