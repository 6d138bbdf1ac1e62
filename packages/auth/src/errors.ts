/**
 * OAuth error responses (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 8707 §2, OpenID Connect Core §3.1.2.6
 * for `prompt=none`). `error` is the registered
 * code sent to the client; `description` is for the developer reading it, never a secret.
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'unsupported_token_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'access_denied'
  | 'login_required'
  | 'consent_required'
  | 'server_error'
  | 'temporarily_unavailable';

export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  readonly description: string;
  readonly status: number;

  constructor(error: OAuthErrorCode, description: string, status?: number) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
    this.error = error;
    this.description = description;
    this.status = status ?? (error === 'invalid_client' ? 401 : error === 'server_error' ? 500 : 400);
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

/**
 * Too many requests in a fixed window (rate-limits.ts): HTTP 429 with `Retry-After`. The code is
 * `temporarily_unavailable`, the registered one that tells a client to try again later; neither
 * RFC 6749 §5.2 nor RFC 7591 §3.2.2 registers one for rate limiting.
 */
export class RateLimitedError extends OAuthError {
  /** Whole seconds until the window ends. */
  readonly retryAfterSeconds: number;

  constructor(description: string, retryAfterSeconds: number) {
    super('temporarily_unavailable', description, 429);
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }

  headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfterSeconds) };
  }
}

/**
 * An error at the authorization endpoint. `redirectable` is false when the client or its
 * redirect URI cannot be trusted: the user sees an error page and is never sent anywhere.
 */
export class AuthorizeError extends OAuthError {
  readonly redirectable: boolean;
  /** Where a redirectable error goes back to (set by validateAuthorizationRequest). */
  target?: AuthorizeRedirectTarget;

  constructor(
    error: OAuthErrorCode,
    description: string,
    redirectable: boolean,
    target?: AuthorizeRedirectTarget,
  ) {
    super(error, description);
    this.name = 'AuthorizeError';
    this.redirectable = redirectable;
    if (target) this.target = target;
  }
}

/** Enough of an authorization request to answer the client: where, with which state, from which issuer. */
export interface AuthorizeRedirectTarget {
  redirectUri: string;
  state?: string;
  issuer: string;
}

export const isOAuthError = (e: unknown): e is OAuthError => e instanceof OAuthError;
