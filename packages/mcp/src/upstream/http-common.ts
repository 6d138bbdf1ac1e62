import type { Dispatcher } from 'undici';
import { SsrfGuardError } from '@toolgate/net/ssrf-guard';
import type { TraceHeaders } from '../trace-context.ts';
import type { Endpoint } from './http-exchange.ts';
import { label } from './rpc-channel.ts';
import { type RequestOptions, UpstreamError } from './types.ts';

/** What the pool shares with every session it opens. */
export interface SessionContext {
  clientInfo: { name: string; version: string };
  protocolVersion: string;
  connectTimeoutMs: number;
  checkUrl: ((url: URL) => Promise<void>) | undefined;
  /** One undici Agent: a keep-alive pool per upstream origin, connecting through the guarded lookup. */
  dispatcher: Dispatcher;
}

/** Bodies and SSE messages larger than this are refused: the gateway must bound its memory. */
export const MAX_BODY_CHARS = 32 * 1024 * 1024;

export function endpointFor(url: URL, ctx: SessionContext): Endpoint {
  return { url, origin: url.origin, path: `${url.pathname}${url.search}`, dispatcher: ctx.dispatcher };
}

export function lowerCaseHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/** Headers a caller may never set: they belong to the connection or to the pool's own protocol. */
const RESERVED = new Set([
  'host',
  'connection',
  'content-length',
  'content-type',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'accept',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
]);

/** Per-call headers under the session's: target and protocol headers always win. */
export function withCallHeaders(
  base: Record<string, string>,
  extra: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(extra)) {
    const key = name.toLowerCase();
    if (!RESERVED.has(key) && !(key in base)) out[key] = value;
  }
  return Object.assign(out, base);
}

/**
 * The headers of one call's POST: the session's own when the call adds nothing (no copy on the
 * hot path), else with its passthrough headers under them and its trace context over them.
 */
export function callHeaders(
  base: Record<string, string>,
  options: RequestOptions | undefined,
): Record<string, string> {
  const extra = options?.headers;
  const trace = options?.trace;
  if (trace === undefined) return extra === undefined ? base : withCallHeaders(base, extra);
  return withTrace(extra === undefined ? { ...base } : withCallHeaders(base, extra), trace);
}

/** Sets a call's trace context on headers of its own, replacing any `traceparent`/`tracestate`. */
export function withTrace(headers: Record<string, string>, trace: TraceHeaders): Record<string, string> {
  headers.traceparent = trace.traceparent;
  if (trace.tracestate === undefined) delete headers.tracestate;
  else headers.tracestate = trace.tracestate;
  return headers;
}

export function httpError(name: string, status: number, during: string): UpstreamError {
  let what: string;
  if (status === 401 || status === 403) what = `refused the gateway's credentials (HTTP ${status})`;
  else if (status === 429) what = 'is rate limiting the gateway (HTTP 429)';
  else if (status >= 300 && status < 400)
    what = `answered with a redirect (HTTP ${status}), which the gateway does not follow`;
  else what = `answered HTTP ${status}`;
  return new UpstreamError('http', `${label(name)} ${what} to ${during}`, undefined, status);
}

/** The same error with the upstream's name in front; the SSRF guard's refusals keep their kind. */
function named(name: string, error: UpstreamError | SsrfGuardError): UpstreamError {
  const message = `${label(name)}: ${error.message}`;
  return error instanceof UpstreamError
    ? new UpstreamError(error.kind, message, error.rpcError, error.httpStatus, error.socketCode)
    : new UpstreamError(error.kind, message);
}

/**
 * undici's codes for failures node:http reported with errno codes: the same condition keeps its
 * words and its `socketCode`, which the proxy's error classes key on.
 */
const UNDICI_CODES: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'ETIMEDOUT',
  // The peer closed the connection without answering: node:http's "socket hang up".
  UND_ERR_SOCKET: 'ECONNRESET',
  UND_ERR_HEADERS_OVERFLOW: 'HPE_HEADER_OVERFLOW',
};

function socketCode(error: Error): string | undefined {
  const code =
    (error as NodeJS.ErrnoException).code ?? (error.cause as NodeJS.ErrnoException | undefined)?.code;
  return code === undefined ? undefined : (UNDICI_CODES[code] ?? code);
}

/** Socket-level failures name the condition (ECONNREFUSED, …), never the request. */
export function networkError(name: string, error: Error): UpstreamError {
  const known: Record<string, string> = {
    ECONNREFUSED: 'refused the connection',
    ENOTFOUND: 'has a host name that does not resolve',
    EAI_AGAIN: 'could not be resolved (DNS timeout)',
    ECONNRESET: 'reset the connection',
    ETIMEDOUT: 'did not accept the connection in time',
    EHOSTUNREACH: 'is unreachable',
    ENETUNREACH: 'is unreachable',
  };
  if (error instanceof UpstreamError || error instanceof SsrfGuardError) return named(name, error);
  const code = socketCode(error);
  const what =
    (code !== undefined && known[code]) || `could not be reached${code === undefined ? '' : ` (${code})`}`;
  return new UpstreamError('connect', `${label(name)} ${what}`, undefined, undefined, code);
}

/** What node:http reported for a request it cut short before any answer: the same words now. */
export const hangUp = (): Error => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

/**
 * A request that failed before any answer because the keep-alive connection it went out on was
 * closed by the server meanwhile: the server never read it, so it is sent once more (the race
 * Node's documentation describes). undici validates idle connections before reuse, which makes
 * this rare, but tells whether the connection had carried answers before only on its own socket
 * errors: a reset (ECONNRESET, EPIPE) comes without that and is retried even on a new connection.
 */
export function isStaleConnection(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'UND_ERR_SOCKET') {
    const socket = (error as Error & { socket?: { bytesRead?: number } }).socket;
    return (socket?.bytesRead ?? 0) > 0;
  }
  return code === 'ECONNRESET' || code === 'EPIPE';
}

/** Runs the SSRF check, naming the upstream in whatever it throws. */
export async function checkUrl(ctx: SessionContext, url: URL, name: string): Promise<void> {
  if (ctx.checkUrl === undefined) return;
  try {
    await ctx.checkUrl(url);
  } catch (error) {
    if (error instanceof UpstreamError || error instanceof SsrfGuardError) throw named(name, error);
    throw new UpstreamError(
      'blocked',
      `${label(name)}: the URL was refused by the gateway's outbound policy`,
    );
  }
}
