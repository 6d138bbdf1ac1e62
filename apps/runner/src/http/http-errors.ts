import type { ServerResponse } from 'node:http';
import { AppError } from '@toolgate/core/errors';

/** Plain JSON errors of the runner's HTTP contract: `{ "error": { "code", "message" } }`. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, headers = {}) {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { code, message } }));
}

/** A JSON-RPC error answering request `id` (HTTP 200: the server, not the request, is at fault). */
export function sendRpcError(
  res: ServerResponse,
  id: string | number | null,
  code: number,
  message: string,
  status = 200,
) {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }));
}

/** AppErrors keep their status (404, 409, 422, …); anything else is ours: 500, logged by the caller. */
export function sendAppError(res: ServerResponse, error: unknown): boolean {
  if (!(error instanceof AppError)) return false;
  sendError(res, error.httpStatus, error.code, error.message);
  return true;
}
