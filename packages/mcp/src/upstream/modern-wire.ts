import type { TraceHeaders } from '../trace-context.ts';
import { label } from './rpc-channel.ts';
import { UpstreamError } from './types.ts';

type Json = Record<string, unknown>;

/** The stateless revision: no initialize, no session, version and client details in every request. */
export const MODERN_VERSION = '2026-07-28';

const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
const CLIENT_INFO_KEY = 'io.modelcontextprotocol/clientInfo';
const CLIENT_CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';
const LOG_LEVEL_KEY = 'io.modelcontextprotocol/logLevel';
const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';
export const SUBSCRIPTION_ID_KEY = 'io.modelcontextprotocol/subscriptionId';

/**
 * What the proxy relays for its own clients, declared only on requests whose caller can answer:
 * servers must not embed input requests the request's capabilities do not declare.
 */
const RELAYED_CAPABILITIES = { sampling: {}, elicitation: {}, roots: {} };
const NO_CAPABILITIES = {};

/** The embedded requests of an `input_required` result a 2026-07-28 server may send (MRTR). */
export const INPUT_METHODS = new Set(['elicitation/create', 'sampling/createMessage', 'roots/list']);

/** The upstream does not speak 2026-07-28: the pool falls back to `initialize` (HttpSession). */
export class NotModernError extends UpstreamError {
  constructor(name: string, why: string) {
    super('connect', `${label(name)} does not speak MCP ${MODERN_VERSION}: ${why}`);
    this.name = 'NotModernError';
  }
}

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What one request declares besides the version and who we are. */
export interface EnvelopeFor {
  /** Its caller can answer input requests (elicitation, sampling, roots) through the proxy. */
  relay: boolean;
  /** Someone hears its log messages: the proxy filters them by its own client's level. */
  logs: boolean;
  trace: TraceHeaders | undefined;
}

/**
 * `params` with the per-request `_meta` envelope. The caller's own `_meta` (progress token, trace
 * context, anything else) is kept; the envelope's keys are ours.
 */
export function withEnvelope(
  params: Json | undefined,
  envelope: EnvelopeFor,
  clientInfo: { name: string; version: string },
): Json {
  const own = isObject(params?._meta) ? params._meta : undefined;
  const meta: Json = own === undefined ? {} : { ...own };
  const trace = envelope.trace;
  if (trace !== undefined) {
    // SEP-414: the trace context travels in `_meta` too; ours replaces the caller's, as on headers.
    meta.traceparent = trace.traceparent;
    if (trace.tracestate === undefined) delete meta.tracestate;
    else meta.tracestate = trace.tracestate;
  }
  meta[PROTOCOL_VERSION_KEY] = MODERN_VERSION;
  meta[CLIENT_INFO_KEY] = clientInfo;
  meta[CLIENT_CAPABILITIES_KEY] = envelope.relay ? RELAYED_CAPABILITIES : NO_CAPABILITIES;
  // Without a level the server sends no log messages at all (2026-07-28).
  if (envelope.logs && own?.[LOG_LEVEL_KEY] === undefined) meta[LOG_LEVEL_KEY] = 'debug';
  return { ...params, _meta: meta };
}

/** Methods whose `Mcp-Name` header mirrors a body field (SEP-2243, and the tasks extension). */
const NAME_SOURCE: Record<string, string> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

/**
 * The `Mcp-Name` header value for a request, if its method has one: the body value as it is when
 * it is a plain header value (visible ASCII, inner spaces and tabs), else `=?base64?…?=` of its
 * UTF-8 bytes, as is a plain value that would read as that sentinel.
 */
export function mcpName(method: string, params: Json | undefined): string | undefined {
  const field = NAME_SOURCE[method];
  if (field === undefined) return undefined;
  const value = params?.[field];
  if (typeof value !== 'string') return undefined;
  return headerSafe(value) ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

function headerSafe(value: string): boolean {
  if (value !== value.trim()) return false;
  if (value.startsWith('=?base64?') && value.endsWith('?=')) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c !== 9 && (c < 32 || c > 126)) return false;
  }
  return true;
}

/**
 * A result as the rest of the gateway expects one from any upstream: without the 2026 result type
 * ('complete' by now) and without the upstream's identity in `_meta`, which concern this hop only.
 */
export function plainResult(result: Json): Json {
  const meta = result._meta;
  const stamped = isObject(meta) && SERVER_INFO_KEY in meta;
  if (!('resultType' in result) && !stamped) return result;
  const { resultType: _type, ...rest } = result;
  if (stamped) {
    const { [SERVER_INFO_KEY]: _info, ...others } = meta;
    if (Object.keys(others).length === 0) delete rest._meta;
    else rest._meta = others;
  }
  return rest;
}

/** The gateway's view of a server/discover result: what the rest of the gateway reads from initialize. */
export function fromDiscover(name: string, result: Json): Json {
  const versions = result.supportedVersions;
  if (!Array.isArray(versions) || !isObject(result.capabilities)) {
    throw new NotModernError(name, 'it answered server/discover with something other than a discover result');
  }
  if (!versions.includes(MODERN_VERSION)) {
    throw new NotModernError(name, `it supports ${versions.filter((v) => typeof v === 'string').join(', ')}`);
  }
  const meta = isObject(result._meta) ? result._meta : undefined;
  // The final revision moved serverInfo into the result's `_meta`; earlier drafts had it in the body.
  const serverInfo = meta?.[SERVER_INFO_KEY] ?? result.serverInfo;
  return {
    protocolVersion: MODERN_VERSION,
    capabilities: result.capabilities,
    ...(isObject(serverInfo) ? { serverInfo } : {}),
    ...(typeof result.instructions === 'string' ? { instructions: result.instructions } : {}),
  };
}

/** Codes a 2026-07-28 server answers with when it understood our request and refused it. */
const HEADER_MISMATCH = -32020;
const MISSING_CAPABILITY = -32021;
const UNSUPPORTED_VERSION = -32022;

/**
 * Why the server/discover probe failed, as the pool needs to know it: a legacy answer (most 4xx,
 * JSON-RPC errors, anything that is not a discover result) means "fall back to initialize"; the
 * network, our timeout, a credential refusal or a 2026-07-28 server refusing us do not.
 */
export function probeFailure(name: string, error: unknown, closedByUs: boolean): Error {
  if (!(error instanceof UpstreamError)) return error instanceof Error ? error : new Error(String(error));
  const { kind } = error;
  if (kind === 'rpc') {
    const code = error.rpcError?.code;
    const data = error.rpcError?.data;
    const supported = isObject(data) && Array.isArray(data.supported) ? (data.supported as unknown[]) : [];
    if (code === UNSUPPORTED_VERSION && !supported.includes(MODERN_VERSION)) {
      return new NotModernError(
        name,
        `it supports ${supported.filter((v) => typeof v === 'string').join(', ')}`,
      );
    }
    if (code === UNSUPPORTED_VERSION || code === HEADER_MISMATCH || code === MISSING_CAPABILITY) {
      return asConnect(error);
    }
    return new NotModernError(name, `it answered server/discover with an error (${error.rpcError?.message})`);
  }
  if (kind === 'http') {
    const status = error.httpStatus ?? 0;
    if (status === 401 || status === 403 || status === 429) return error;
    return new NotModernError(name, `it answered server/discover with HTTP ${status}`);
  }
  if (kind === 'protocol') return new NotModernError(name, 'it gave no usable answer to server/discover');
  // A 'closed' of our own making (evict, shutdown) stays 'closed'; the upstream closing on us is a failed connect.
  if (kind === 'timeout' || (kind === 'closed' && !closedByUs)) return asConnect(error);
  return error;
}

const asConnect = (error: UpstreamError): UpstreamError =>
  new UpstreamError('connect', error.message, error.rpcError, error.httpStatus, error.socketCode);
