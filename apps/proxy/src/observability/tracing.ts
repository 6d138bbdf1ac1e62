import type { IncomingHttpHeaders } from 'node:http';
import type { TraceHeaders } from '@toolgate/mcp/trace-context';
import type { ProxyEnv } from '../env.ts';
import type { UsageDraft } from '../usage/meter.ts';

/**
 * Tracing, behind a facade small enough to be absent. Without an OTLP endpoint the proxy holds no
 * `Tracing` at all: the SDK is never imported, no span objects exist, and every call site is a
 * `tracer?.` that short-circuits. With one, `loadTracing` imports the OpenTelemetry SDK
 * (otel-tracing.ts) and spans are exported in batches over OTLP/HTTP.
 */

export type SpanValue = string | number | boolean;

export interface TraceSpan {
  readonly traceId: string;
  set(key: string, value: SpanValue): void;
  /** Marks the span as failed (status ERROR) with a message. */
  fail(message: string): void;
  end(): void;
}

export interface Tracing {
  /** The span of one client message: a child of the caller's `traceparent` when it sent a valid one. */
  startRequest(headers: IncomingHttpHeaders): TraceSpan;
  child(parent: TraceSpan, name: string, options?: { client?: boolean }): TraceSpan;
  /** Headers that make `span` the parent of whatever the upstream does for this request. */
  traceHeaders(span: TraceSpan): TraceHeaders;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export type SamplerName = ProxyEnv['OTEL_TRACES_SAMPLER'];

export interface TracingConfig {
  /** The OTLP/HTTP traces URL (…/v1/traces). */
  url: string;
  headers: Record<string, string>;
  serviceName: string;
  serviceVersion: string;
  sampler: SamplerName;
  samplerRatio: number;
}

type TracingEnv = Pick<
  ProxyEnv,
  | 'OTEL_SDK_DISABLED'
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_HEADERS'
  | 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'
  | 'OTEL_SERVICE_NAME'
  | 'OTEL_TRACES_SAMPLER'
  | 'OTEL_TRACES_SAMPLER_ARG'
>;

/** The exporter's settings, or undefined when no OTLP endpoint is configured (tracing off). */
export function tracingConfig(env: TracingEnv, serviceVersion: string): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED) return undefined;
  const url =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (env.OTEL_EXPORTER_OTLP_ENDPOINT
      ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`
      : undefined);
  if (!url) return undefined;
  return {
    url,
    headers: { ...env.OTEL_EXPORTER_OTLP_HEADERS, ...env.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    serviceName: env.OTEL_SERVICE_NAME,
    serviceVersion,
    sampler: env.OTEL_TRACES_SAMPLER,
    samplerRatio: env.OTEL_TRACES_SAMPLER_ARG,
  };
}

let sdkLoads = 0;
/** How many times this process loaded the OpenTelemetry SDK (tests check it stays 0 when off). */
export const tracingSdkLoads = (): number => sdkLoads;

/** Loads the SDK only when tracing is configured. */
export async function loadTracing(config: TracingConfig | undefined): Promise<Tracing | undefined> {
  if (!config) return undefined;
  sdkLoads++;
  const { createOtelTracing } = await import('./otel-tracing.ts');
  return createOtelTracing(config);
}

/**
 * The spans of client messages, keyed by their usage event (which begins and finishes with the
 * message on both transports). Call sites that learn something (authentication, a tool call)
 * open children of the message's span through it.
 */
export class RequestTracer {
  private readonly spans = new Map<UsageDraft, TraceSpan>();

  constructor(readonly tracing: Tracing) {}

  begin(draft: UsageDraft, headers: IncomingHttpHeaders): void {
    const span = this.tracing.startRequest(headers);
    // The audit log and the trace backend then name the same trace.
    draft.traceId = span.traceId;
    this.spans.set(draft, span);
  }

  /** A child of the message's span; undefined for work outside any message (or no draft). */
  child(draft: UsageDraft | undefined, name: string, options?: { client?: boolean }): TraceSpan | undefined {
    const parent = draft && this.spans.get(draft);
    return parent && this.tracing.child(parent, name, options);
  }

  end(draft: UsageDraft): void {
    const span = this.spans.get(draft);
    if (!span) return;
    this.spans.delete(draft);
    span.set('mcp.method.name', draft.method || '(unread)');
    span.set('toolgate.request.id', draft.requestId);
    span.set('toolgate.status', draft.status);
    if (draft.tenantId) span.set('toolgate.tenant.id', draft.tenantId);
    if (draft.gatewayId) span.set('toolgate.gateway.id', draft.gatewayId);
    if (draft.sessionId) span.set('mcp.session.id', draft.sessionId);
    if (draft.authMethod) span.set('toolgate.auth.method', draft.authMethod);
    if (draft.principalId) span.set('toolgate.principal.id', draft.principalId);
    if (draft.toolName) span.set('gen_ai.tool.name', draft.toolName);
    if (draft.errorCode !== null) span.set('rpc.jsonrpc.error_code', draft.errorCode);
    if (draft.status === 'error') span.fail(`JSON-RPC error ${draft.errorCode ?? ''}`.trim());
    span.end();
  }
}
