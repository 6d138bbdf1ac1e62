import type { Logger } from '@toolgate/core/logger';
import { RPC, type JsonRpcErrorObject } from '@toolgate/mcp/jsonrpc';
import { UpstreamError, type UpstreamTarget } from '@toolgate/mcp/upstream';

/**
 * How an upstream failure reaches the client: the upstream's own JSON-RPC error as it is;
 * anything else as a gateway error that names the upstream and what went wrong.
 */
export function upstreamErrorToRpc(err: unknown, upstreamName: string): JsonRpcErrorObject {
  if (err instanceof UpstreamError) {
    if (err.kind === 'rpc' && err.rpcError) return err.rpcError;
    const code = err.kind === 'timeout' ? RPC.UPSTREAM_TIMEOUT : RPC.UPSTREAM_ERROR;
    return { code, message: err.message, data: { upstream: upstreamName, kind: err.kind } };
  }
  return { code: RPC.INTERNAL_ERROR, message: `Calling ${upstreamName} failed unexpectedly` };
}

const SOCKET_CLASSES: Record<string, string> = {
  ECONNREFUSED: 'connect_refused',
  ECONNRESET: 'connect_reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ETIMEDOUT: 'connect_timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
};

function statusClass(status: number): string {
  if (status === 401 || status === 403) return `auth_${status}`;
  if (status === 429) return 'rate_limited';
  return `http_${Math.floor(status / 100)}xx`;
}

/**
 * What went wrong with an upstream request, for operators: timeout, connect_refused, dns,
 * http_5xx, auth_401, protocol, … Undefined for what is no failure of the upstream: its own
 * JSON-RPC error (an answer, relayed as it is) and a call the client cancelled.
 */
export function upstreamFailureClass(err: unknown): string | undefined {
  if (!(err instanceof UpstreamError)) return 'internal';
  if (err.kind === 'rpc' || err.kind === 'cancelled') return undefined;
  if (err.httpStatus !== undefined) return statusClass(err.httpStatus);
  if (err.kind === 'connect' && err.socketCode !== undefined)
    return SOCKET_CLASSES[err.socketCode] ?? 'connect';
  return err.kind;
}

/** Host (and port) of a URL upstream: never its path, query or user info, which may hold secrets. */
function hostOf(target: UpstreamTarget): string | undefined {
  if (target.url === undefined) return undefined;
  try {
    return new URL(target.url).host;
  } catch {
    return undefined;
  }
}

/** Which request to an upstream failed: ids and names only. */
export interface FailedUpstreamRequest {
  target: UpstreamTarget;
  method: string;
  /** The upstream's name of the tool, for tools/call. */
  tool?: string;
  tenantId: string;
  gatewayId: string;
  installationId: string;
  requestId?: string;
}

/**
 * One `warn` per failed upstream request, logged where the failure becomes the client's error
 * (tools/call, the catalog's forwards): the pool's own retries stay invisible, and nothing above
 * logs it again. Names the installation, the upstream's host and the error class; never the URL,
 * a header, a credential or the error's text (a stdio server's stderr may quote anything).
 */
export function logUpstreamFailure(log: Logger, err: unknown, failed: FailedUpstreamRequest): void {
  const errorClass = upstreamFailureClass(err);
  if (errorClass === undefined) return;
  const { target } = failed;
  const host = hostOf(target);
  log.warn(
    {
      ...(failed.requestId ? { requestId: failed.requestId } : {}),
      tenantId: failed.tenantId,
      gatewayId: failed.gatewayId,
      installationId: failed.installationId,
      upstream: target.label,
      transport: target.transport,
      ...(host ? { host } : {}),
      method: failed.method,
      ...(failed.tool ? { tool: failed.tool } : {}),
      errorClass,
      ...(err instanceof UpstreamError && err.httpStatus !== undefined ? { httpStatus: err.httpStatus } : {}),
    },
    'upstream request failed',
  );
}

/**
 * The caller's `_meta` minus the protocol's own per-request keys (2026-07-28 clients send their
 * version and capabilities there; the upstream session has its own).
 */
export function upstreamMeta(meta: unknown): Record<string, unknown> | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const entries = Object.entries(meta).filter(([k]) => !k.startsWith('io.modelcontextprotocol/'));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
