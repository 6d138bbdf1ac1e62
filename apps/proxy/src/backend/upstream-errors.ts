import { RPC, type JsonRpcErrorObject } from '@toolgate/mcp/jsonrpc';
import { UpstreamError } from '@toolgate/mcp/upstream';

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

/**
 * The caller's `_meta` minus the protocol's own per-request keys (2026-07-28 clients send their
 * version and capabilities there; the upstream session has its own).
 */
export function upstreamMeta(meta: unknown): Record<string, unknown> | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const entries = Object.entries(meta).filter(([k]) => !k.startsWith('io.modelcontextprotocol/'));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
