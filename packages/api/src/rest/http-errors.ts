import { ERROR_CODES, isAppError, type ErrorCode } from '@toolgate/core/errors';
import type { Logger } from '@toolgate/core/logger';
import type { ErrorResponse } from '../schemas/common.ts';
import type { FieldIssue } from '../validation.ts';

/** Transport-level refusals that never reach a service. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 413,
    readonly code: 'BAD_REQUEST' | 'UNAUTHORIZED' | 'NOT_FOUND' | 'METHOD_NOT_ALLOWED' | 'PAYLOAD_TOO_LARGE',
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Service error codes to HTTP statuses: the one table is core's ERROR_CODES. */
export const statusOf = (code: ErrorCode): number => ERROR_CODES[code].http;

export const WWW_AUTHENTICATE = 'Bearer realm="toolgate"';

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/**
 * Every failure as `{ "error": { code, message, fields?, details? } }`. Client mistakes get
 * their 4xx; anything unexpected is a 500 that says nothing about internals (and is logged).
 */
export function errorResponse(err: unknown, log?: Logger): Response {
  if (err instanceof HttpError) {
    return jsonResponse(err.status, { error: { code: err.code, message: err.message } }, err.headers);
  }
  if (isAppError(err)) {
    const status = statusOf(err.code);
    const { fields, ...details } = err.details ?? {};
    const body: ErrorResponse = {
      error: {
        code: err.code,
        message: err.message,
        ...(Array.isArray(fields) ? { fields: fields as FieldIssue[] } : {}),
        ...(Object.keys(details).length > 0 ? { details } : {}),
      },
    };
    const headers: Record<string, string> = {};
    if (err.code === 'UNAUTHORIZED')
      headers['www-authenticate'] = `${WWW_AUTHENTICATE}, error="invalid_token"`;
    if (err.code === 'RATE_LIMITED' && typeof details.retryAfterSeconds === 'number')
      headers['retry-after'] = String(details.retryAfterSeconds);
    return jsonResponse(status, body, headers);
  }
  log?.error({ err }, 'REST request failed');
  return jsonResponse(500, { error: { code: 'INTERNAL', message: 'Internal error' } });
}
