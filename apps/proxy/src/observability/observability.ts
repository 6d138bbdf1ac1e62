import type { ProxyMetrics } from './metrics.ts';
import type { RequestTracer } from './tracing.ts';

/** What the request path reports to: always metrics; spans only when tracing is configured. */
export interface Observability {
  readonly metrics: ProxyMetrics;
  /** Set by `Proxy.start()` (which loads the SDK) before the proxy listens; undefined when off. */
  tracer: RequestTracer | undefined;
}
