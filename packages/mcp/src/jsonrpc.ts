/**
 * JSON-RPC 2.0 message handling for the gateway's client-facing side: parse and classify
 * without allocating schema validators per request, and build errors with useful messages.
 */
export type JsonRpcId = string | number;

export interface JsonRpcRequestMessage {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcNotificationMessage {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcResponseMessage {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result?: Record<string, unknown>;
  error?: JsonRpcErrorObject;
}
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export type ClientMessage =
  | { kind: 'request'; message: JsonRpcRequestMessage }
  | { kind: 'notification'; message: JsonRpcNotificationMessage }
  | { kind: 'response'; message: JsonRpcResponseMessage };

/** Standard and MCP error codes, named once. */
export const RPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** MCP 2026-07-28: standard headers missing or disagreeing with the body (HTTP 400). */
  HEADER_MISMATCH: -32020,
  /** MCP 2026-07-28: a protocol version the server does not support; `data.supported` lists them. */
  UNSUPPORTED_PROTOCOL_VERSION: -32022,
  /** MCP: resources/read of an unknown URI. */
  RESOURCE_NOT_FOUND: -32002,
  /** Gateway-defined server errors (-32000 … -32099 is implementation-defined). */
  UPSTREAM_ERROR: -32010,
  UPSTREAM_TIMEOUT: -32011,
  UNAUTHORIZED: -32012,
  FORBIDDEN: -32013,
  RATE_LIMITED: -32014,
} as const;

export class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'JsonRpcError';
  }

  toObject(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is JsonRpcId =>
  (typeof v === 'string' && v.length > 0) || (typeof v === 'number' && Number.isSafeInteger(v));

/** A JSON-RPC error object another party will accept: an integer code and a message. */
export const isErrorObject = (v: unknown): v is JsonRpcErrorObject =>
  isObject(v) && Number.isSafeInteger(v.code) && typeof v.message === 'string';

/**
 * Classifies one decoded JSON value. Throws JsonRpcError(INVALID_REQUEST) naming what is wrong;
 * the caller answers with `id: null` when the id itself could not be read.
 */
export function classifyMessage(value: unknown): ClientMessage {
  if (!isObject(value))
    throw new JsonRpcError(RPC.INVALID_REQUEST, 'Invalid Request: expected a JSON-RPC object');
  if (value.jsonrpc !== '2.0')
    throw new JsonRpcError(RPC.INVALID_REQUEST, 'Invalid Request: "jsonrpc" must be "2.0"');
  if ('method' in value) {
    if (typeof value.method !== 'string' || value.method.length === 0) {
      throw new JsonRpcError(RPC.INVALID_REQUEST, 'Invalid Request: "method" must be a non-empty string');
    }
    if (value.params !== undefined && !isObject(value.params)) {
      throw new JsonRpcError(RPC.INVALID_REQUEST, 'Invalid Request: "params" must be an object');
    }
    // Forwarded upstream as given: a token no server accepts would be blamed on the server.
    const meta = value.params?._meta;
    if (isObject(meta) && meta.progressToken !== undefined && !isId(meta.progressToken)) {
      throw new JsonRpcError(
        RPC.INVALID_REQUEST,
        'Invalid Request: "_meta.progressToken" must be a string or an integer',
      );
    }
    if (!('id' in value))
      return { kind: 'notification', message: value as unknown as JsonRpcNotificationMessage };
    if (!isId(value.id)) {
      throw new JsonRpcError(RPC.INVALID_REQUEST, 'Invalid Request: "id" must be a string or an integer');
    }
    return { kind: 'request', message: value as unknown as JsonRpcRequestMessage };
  }
  if ('result' in value || 'error' in value) {
    if (!isId(value.id))
      throw new JsonRpcError(RPC.INVALID_REQUEST, 'Invalid Response: "id" must be a string or an integer');
    if ('result' in value && !isObject(value.result)) {
      throw new JsonRpcError(RPC.INVALID_REQUEST, 'Invalid Response: "result" must be an object');
    }
    if ('error' in value && !isErrorObject(value.error)) {
      throw new JsonRpcError(
        RPC.INVALID_REQUEST,
        'Invalid Response: "error" must be an object with an integer "code" and a string "message"',
      );
    }
    return { kind: 'response', message: value as unknown as JsonRpcResponseMessage };
  }
  throw new JsonRpcError(RPC.INVALID_REQUEST, 'Invalid Request: expected "method", "result" or "error"');
}

/** A readable id from a malformed message, for the error response; null when there is none. */
export function idOf(value: unknown): JsonRpcId | null {
  return isObject(value) && isId(value.id) ? value.id : null;
}

export const resultMessage = (id: JsonRpcId, result: Record<string, unknown>): JsonRpcResponseMessage => ({
  jsonrpc: '2.0',
  id,
  result,
});

export const errorMessage = (id: JsonRpcId | null, error: JsonRpcErrorObject) => ({
  jsonrpc: '2.0' as const,
  id,
  error,
});
