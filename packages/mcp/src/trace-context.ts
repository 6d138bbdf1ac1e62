/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) headers as the gateway relays them.
 * Pure string handling: the proxy uses it whether or not an OpenTelemetry SDK is loaded.
 */

/** `traceparent` and, when there is one, `tracestate`, ready to send upstream. */
export interface TraceHeaders {
  traceparent: string;
  tracestate?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-[^]*)?$/;
const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';
/** Printable ASCII, bounded: the spec allows 32 list members of at most 256 characters each. */
const TRACESTATE = /^[\x20-\x7e]{1,8192}$/;

export interface ParsedTraceparent {
  traceId: string;
  parentId: string;
  flags: string;
}

/**
 * Parses a `traceparent` header by the spec's rules: version 00 has exactly four fields, later
 * versions may append more (ignored), version ff and all-zero ids are invalid.
 */
export function parseTraceparent(header: string | string[] | undefined): ParsedTraceparent | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  const match = TRACEPARENT.exec(value);
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  return { traceId: traceId!, parentId: parentId!, flags: flags! };
}

export const formatTraceparent = (traceId: string, spanId: string, flags: string | number): string =>
  `00-${traceId}-${spanId}-${typeof flags === 'number' ? (flags & 0xff).toString(16).padStart(2, '0') : flags}`;

/**
 * The trace headers of an incoming request, to pass on unchanged (as version 00) when the gateway
 * does not trace itself: the upstream's spans then hang under the client's. Undefined when the
 * client sent no valid `traceparent`.
 */
export function forwardedTraceHeaders(
  headers: Record<string, string | string[] | undefined>,
): TraceHeaders | undefined {
  const parsed = parseTraceparent(headers.traceparent);
  if (!parsed) return undefined;
  const traceparent = formatTraceparent(parsed.traceId, parsed.parentId, parsed.flags);
  const raw = headers.tracestate;
  const state = Array.isArray(raw) ? raw.join(',') : raw;
  return state && TRACESTATE.test(state) ? { traceparent, tracestate: state } : { traceparent };
}
