import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { AppError, ErrorCode } from '@toolgate/core/errors';

/** The one place service error codes become tRPC codes (and so HTTP statuses). */
const TRPC_CODES: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHORIZED: 'UNAUTHORIZED',
  CONFLICT: 'CONFLICT',
  INVALID: 'UNPROCESSABLE_CONTENT',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  UPSTREAM: 'BAD_GATEWAY',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  PLAN_LIMIT: 'PAYMENT_REQUIRED',
};

export const trpcCodeFor = (error: AppError): TRPC_ERROR_CODE_KEY => TRPC_CODES[error.code];

/** Bundling can yield two copies of core's module, so match by shape as well as by class. */
export function asAppError(error: unknown): AppError | null {
  if (
    error instanceof Error &&
    error.name === 'AppError' &&
    'code' in error &&
    typeof error.code === 'string'
  ) {
    return error as AppError;
  }
  return null;
}
