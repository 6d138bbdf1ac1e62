import { UpstreamError, type UpstreamPool } from '@toolgate/mcp/upstream';
import type { ProxyMetrics } from './metrics.ts';

/**
 * The upstream pool with every request timed (tool calls and the catalog's prompts, resources
 * and completions alike): `toolgate_upstream_request_duration_seconds{transport,status}`.
 */
export function instrumentPool(pool: UpstreamPool, metrics: ProxyMetrics): UpstreamPool {
  return {
    async request(target, method, params, options) {
      const started = performance.now();
      try {
        const result = await pool.request(target, method, params, options);
        metrics.upstreamRequest(target.transport, 'ok', (performance.now() - started) / 1000);
        return result;
      } catch (err) {
        const status = err instanceof UpstreamError ? err.kind : 'error';
        metrics.upstreamRequest(target.transport, status, (performance.now() - started) / 1000);
        throw err;
      }
    },
    notify: (target, method, params) => pool.notify(target, method, params),
    serverInfo: (target) => pool.serverInfo(target),
    watch: (target, listener) => pool.watch(target, listener),
    evict: (key) => pool.evict(key),
    stats: () => pool.stats(),
    close: () => pool.close(),
  };
}
