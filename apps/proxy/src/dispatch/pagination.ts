import { JsonRpcError, RPC } from '@toolgate/mcp/jsonrpc';

/**
 * Offset pagination with opaque cursors. A list that fits one page has no cursor at all, which
 * is what clients that ignore pagination expect.
 */
export function paginate<T>(
  items: readonly T[],
  cursor: unknown,
  pageSize: number,
): { page: T[]; nextCursor?: string } {
  let offset = 0;
  if (cursor !== undefined) {
    const decoded =
      typeof cursor === 'string' ? /^o(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString()) : null;
    if (!decoded) throw new JsonRpcError(RPC.INVALID_PARAMS, 'Invalid params: unknown cursor');
    offset = Number(decoded[1]);
  }
  const page = items.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return next < items.length ? { page, nextCursor: Buffer.from(`o${next}`).toString('base64url') } : { page };
}
