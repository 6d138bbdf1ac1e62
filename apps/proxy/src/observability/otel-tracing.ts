/**
 * The OpenTelemetry SDK behind the tracing facade. Imported only by `loadTracing` when an OTLP
 * endpoint is configured, so a proxy without one never loads any of this.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  defaultTextMapGetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { formatTraceparent } from '@toolgate/mcp/trace-context';
import type { SpanValue, TraceSpan, Tracing, TracingConfig } from './tracing.ts';

class OtelSpan implements TraceSpan {
  constructor(readonly span: Span) {}

  get traceId(): string {
    return this.span.spanContext().traceId;
  }

  set(key: string, value: SpanValue): void {
    this.span.setAttribute(key, value);
  }

  fail(message: string): void {
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  end(): void {
    this.span.end();
  }
}

function sampler(config: TracingConfig): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio();
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio() });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * A provider of its own (not registered globally: several proxies may share a process, and
 * nothing else in the process should start exporting through ours). Parents are passed
 * explicitly, so no context manager is needed either.
 */
export function createOtelTracing(config: TracingConfig): Tracing {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': config.serviceName,
      'service.version': config.serviceVersion,
    }),
    sampler: sampler(config),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: config.url, headers: config.headers })),
    ],
  });
  const tracer: Tracer = provider.getTracer('toolgate-proxy', config.serviceVersion);
  const propagator = new W3CTraceContextPropagator();

  return {
    startRequest(headers: IncomingHttpHeaders) {
      const parent = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
      return new OtelSpan(tracer.startSpan('mcp.request', { kind: SpanKind.SERVER }, parent));
    },
    child(parent, name, options) {
      const context = trace.setSpan(ROOT_CONTEXT, (parent as OtelSpan).span);
      const kind = options?.client ? SpanKind.CLIENT : SpanKind.INTERNAL;
      return new OtelSpan(tracer.startSpan(name, { kind }, context));
    },
    traceHeaders(span) {
      const { traceId, spanId, traceFlags, traceState } = (span as OtelSpan).span.spanContext();
      const traceparent = formatTraceparent(traceId, spanId, traceFlags);
      const tracestate = traceState?.serialize();
      return tracestate ? { traceparent, tracestate } : { traceparent };
    },
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
