import type { ProxyMetrics } from './metrics.ts';
import type { RefusalLog } from './refusal-log.ts';
import type { RequestTracer } from './tracing.ts';

/**
 * What the request path reports to: always metrics and the refusal summary; spans only when
 * tracing is configured.
 */
export interface Observability {
  readonly metrics: ProxyMetrics;
  /** Refused requests by reason, logged as one summary a minute. */
  readonly refusals?: RefusalLog;
  /** Set by `Proxy.start()` (which loads the SDK) before the proxy listens; undefined when off. */
  tracer: RequestTracer | undefined;
}
