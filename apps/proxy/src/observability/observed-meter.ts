import type { IncomingHttpHeaders } from 'node:http';
import { UsageMeter, type UsageDraft } from '../usage/meter.ts';
import type { UsageRecorder } from '../usage/recorder.ts';
import type { Observability } from './observability.ts';

/**
 * The usage meter with metrics and tracing attached. A client message's usage event begins and
 * finishes exactly where its `mcp.request` span should, on both transports, and holds what the
 * metrics are labelled with (gateway, method, status), so one hook serves all three.
 */
export class ObservedUsageMeter extends UsageMeter {
  constructor(
    recorder: UsageRecorder,
    fieldMaxChars: number,
    /** Without a tracer (tracing off) nothing here touches spans. */
    private readonly observability: Observability,
  ) {
    super(recorder, fieldMaxChars);
  }

  override begin(requestId: string, headers: IncomingHttpHeaders): UsageDraft {
    const draft = super.begin(requestId, headers);
    this.observability.tracer?.begin(draft, headers);
    return draft;
  }

  override finish(draft: UsageDraft): void {
    super.finish(draft);
    this.observability.metrics.message(draft);
    this.observability.tracer?.end(draft);
  }
}
