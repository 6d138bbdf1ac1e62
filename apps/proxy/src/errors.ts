import { RPC } from '@toolgate/mcp/jsonrpc';

/**
 * Every error the proxy answers with, in one place: HTTP status, JSON-RPC code and the message
 * template. Messages are for the person running the MCP client: they say what to fix.
 */
export const PROXY_ERRORS = {
  NOT_FOUND_ROUTE: {
    status: 404,
    rpc: RPC.INVALID_REQUEST,
    message: 'No MCP endpoint here: use /mcp/{tenant}/{gateway}',
  },
  GATEWAY_NOT_FOUND: {
    status: 404,
    rpc: RPC.INVALID_REQUEST,
    message: 'Gateway "{gateway}" does not exist in this tenant',
  },
  UNAUTHORIZED: {
    status: 401,
    rpc: RPC.UNAUTHORIZED,
    message: 'Authentication required: send "Authorization: Bearer <token>"',
  },
  INVALID_TOKEN: {
    status: 401,
    rpc: RPC.UNAUTHORIZED,
    message: 'The access token is invalid, expired or revoked',
  },
  PASSTHROUGH_TOKEN_REFUSED: {
    status: 401,
    rpc: RPC.UNAUTHORIZED,
    message:
      'This gateway accepts only access tokens from {issuer} issued for this gateway, which it forwards to its server: {why}',
  },
  PASSTHROUGH_UNAVAILABLE: {
    status: 503,
    rpc: RPC.INTERNAL_ERROR,
    message:
      'Gateway "{gateway}" passes tokens through to a server that is not usable now (removed, or not an OAuth pass-through server naming its authorization server)',
  },
  AUTH_METHOD_NOT_ALLOWED: {
    status: 401,
    rpc: RPC.UNAUTHORIZED,
    message: 'This gateway does not accept {method} credentials',
  },
  INSUFFICIENT_SCOPE: {
    status: 403,
    rpc: RPC.FORBIDDEN,
    message: '{method} needs the "{scope}" scope, which this access token was not granted',
  },
  MEMBER_LIMIT: {
    status: 403,
    rpc: RPC.FORBIDDEN,
    message:
      "This workspace has reached its plan's members limit, so you cannot join it through your identity provider; ask an admin",
  },
  NOT_VISIBLE: { status: 403, rpc: RPC.FORBIDDEN, message: 'You do not have access to gateway "{gateway}"' },
  NO_MCP_CAPABILITY: { status: 403, rpc: RPC.FORBIDDEN, message: 'This token may not call MCP gateways' },
  HOST_FORBIDDEN: { status: 421, rpc: RPC.FORBIDDEN, message: 'This gateway does not serve host "{host}"' },
  ORIGIN_FORBIDDEN: { status: 403, rpc: RPC.FORBIDDEN, message: 'Origin "{origin}" is not allowed' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    rpc: RPC.INVALID_REQUEST,
    message: 'HTTP method {method} is not supported here',
  },
  NOT_ACCEPTABLE: {
    status: 406,
    rpc: RPC.INVALID_REQUEST,
    message: 'Not Acceptable: the Accept header must allow application/json and text/event-stream',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    rpc: RPC.INVALID_REQUEST,
    message: 'Unsupported Media Type: send application/json',
  },
  BODY_TOO_LARGE: { status: 413, rpc: RPC.INVALID_REQUEST, message: 'Request body exceeds {limit} bytes' },
  PARSE_ERROR: { status: 400, rpc: RPC.PARSE_ERROR, message: 'Parse error: {detail}' },
  TOO_DEEP: {
    status: 400,
    rpc: RPC.INVALID_REQUEST,
    message: "Invalid Request: the message is nested more than {limit} levels deep (the gateway's limit)",
  },
  BATCH_NOT_SUPPORTED: {
    status: 400,
    rpc: RPC.INVALID_REQUEST,
    message: 'Invalid Request: JSON-RPC batches are not supported; send one message per request',
  },
  SESSION_REQUIRED: {
    status: 400,
    rpc: RPC.INVALID_REQUEST,
    message: 'Bad Request: Mcp-Session-Id header is required; call initialize first',
  },
  SESSION_NOT_FOUND: {
    status: 404,
    rpc: RPC.INVALID_REQUEST,
    message: 'Session not found or expired; initialize a new session',
  },
  LEGACY_SESSION_REQUIRED: {
    status: 400,
    rpc: RPC.INVALID_REQUEST,
    message: 'Bad Request: the sessionId query parameter is required; open the SSE stream first',
  },
  LEGACY_SESSION_NOT_FOUND: {
    status: 404,
    rpc: RPC.INVALID_REQUEST,
    message: 'Session not found or its SSE stream has ended; reconnect the SSE stream',
  },
  UNSUPPORTED_VERSION: {
    status: 400,
    rpc: RPC.UNSUPPORTED_PROTOCOL_VERSION,
    message: 'Bad Request: unsupported MCP-Protocol-Version "{version}" (supported: {supported})',
  },
  VERSION_MISMATCH: {
    status: 400,
    rpc: RPC.INVALID_REQUEST,
    message: 'Bad Request: MCP-Protocol-Version "{version}" does not match the session\'s "{session}"',
  },
  STREAM_NOT_FOUND: {
    status: 404,
    rpc: RPC.INVALID_REQUEST,
    message:
      'Last-Event-ID "{id}" names no stream of this session that can be resumed (unknown, ended or expired): send the request again',
  },
  REVOCATIONS_UNAVAILABLE: {
    status: 503,
    rpc: RPC.INTERNAL_ERROR,
    message: 'The gateway cannot check whether this session was ended right now; retry shortly',
  },
  RATE_LIMITED: { status: 429, rpc: RPC.RATE_LIMITED, message: '{message}' },
  UNAVAILABLE: {
    status: 503,
    rpc: RPC.INTERNAL_ERROR,
    message: 'Gateway configuration is temporarily unavailable; retry shortly',
  },
} as const;

export type ProxyErrorName = keyof typeof PROXY_ERRORS;

export function proxyErrorMessage(
  name: ProxyErrorName,
  values: Record<string, string | number> = {},
): string {
  return PROXY_ERRORS[name].message.replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? `{${k}}`));
}
