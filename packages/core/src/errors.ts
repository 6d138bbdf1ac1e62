/**
 * The one error type services throw. Transports (HTTP, tRPC, JSON-RPC) map `code` to their own
 * status in one place each; messages are written for the caller, never contain secrets.
 */
export const ERROR_CODES = {
  NOT_FOUND: { http: 404 },
  FORBIDDEN: { http: 403 },
  UNAUTHORIZED: { http: 401 },
  CONFLICT: { http: 409 },
  INVALID: { http: 422 },
  RATE_LIMITED: { http: 429 },
  UPSTREAM: { http: 502 },
  UNAVAILABLE: { http: 503 },
  /** The tenant's plan (or its overrides) allows no more of something: 402 Payment Required. */
  PLAN_LIMIT: { http: 402 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
