import { windowStart } from '@toolgate/bus/types';
import { sha256Hex } from './constants.ts';
import type { AuthServerDeps } from './deps.ts';
import { OAuthError, RateLimitedError } from './errors.ts';

/** Abuse limits of the authorization server; each may be set through AuthServerDeps.limits. */
export interface OAuthLimits {
  /** Dynamic Client Registration attempts per client address per hour. */
  registrationsPerHour: number;
  /** Token requests failing with invalid_client or invalid_grant per client_id and address per 10 minutes. */
  tokenFailuresPer10Min: number;
  /** Client ID Metadata Documents fetched (cache misses) per requesting address per 10 minutes. */
  metadataFetchesPer10Min: number;
}

export const DEFAULT_OAUTH_LIMITS: OAuthLimits = {
  registrationsPerHour: 30,
  tokenFailuresPer10Min: 60,
  metadataFetchesPer10Min: 60,
};

const REGISTRATION_WINDOW_SECONDS = 60 * 60;
const TOKEN_FAILURE_WINDOW_SECONDS = 10 * 60;

type LimitDeps = Pick<AuthServerDeps, 'bus' | 'log' | 'limits'>;

const limitsOf = (deps: LimitDeps): OAuthLimits => ({ ...DEFAULT_OAUTH_LIMITS, ...deps.limits });

/** Seconds until the current fixed window ends; the bus counts in wall-clock windows, not deps.now. */
function secondsLeft(windowSeconds: number): number {
  const end = windowStart(windowSeconds) + windowSeconds;
  return Math.max(1, Math.ceil(end - Date.now() / 1000));
}

/**
 * A counter the bus cannot reach does not stop sign-ins: the limits are a second line of
 * defence, and every other check still runs. Logged so an operator sees it.
 */
async function orOpen<T>(deps: Pick<AuthServerDeps, 'log'>, fallback: T, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    deps.log?.warn({ err }, 'rate limit counter unavailable; request not limited');
    return fallback;
  }
}

/**
 * Counts one attempt under `key` in a fixed window shared by every process on the bus, and throws
 * RateLimitedError (`description`, Retry-After to the window's end) once more than `limit` were
 * made. Fails open when the bus is unreachable (see orOpen).
 */
export async function countAttempt(
  deps: Pick<AuthServerDeps, 'bus' | 'log'>,
  key: string,
  limit: number,
  windowSeconds: number,
  description: string,
): Promise<void> {
  const total = await orOpen(deps, 0, () => deps.bus.quotas.increment(key, 1, windowSeconds));
  if (total > limit) throw new RateLimitedError(description, secondsLeft(windowSeconds));
}

/**
 * Counts one registration attempt from `address` (a client IP, or one shared bucket when the
 * caller cannot tell) and throws RateLimitedError once the hour's allowance is used up.
 */
export function countRegistration(deps: LimitDeps, address: string): Promise<void> {
  return countAttempt(
    deps,
    `oauth:register:${address}`,
    limitsOf(deps).registrationsPerHour,
    REGISTRATION_WINDOW_SECONDS,
    'too many client registrations from this address; try again later',
  );
}

/**
 * Counts one metadata-document fetch asked for by `address` and throws RateLimitedError past the
 * allowance: every authorization request with a new https client_id makes this server fetch a URL
 * of the requester's choosing, which must not become a free request relay.
 */
export function countMetadataFetch(deps: LimitDeps, address: string): Promise<void> {
  return countAttempt(
    deps,
    `oauth:cimd:${address}`,
    limitsOf(deps).metadataFetchesPer10Min,
    TOKEN_FAILURE_WINDOW_SECONDS,
    'too many client metadata documents fetched for this address; try again later',
  );
}

/**
 * Failures count per client_id and client address: whoever guesses is slowed down, while the
 * same client elsewhere (its real user) is not locked out by someone who merely knows its id.
 * Client ids may be long URLs (CIMD); the counter key holds a digest.
 */
const failureKey = (clientId: string, address: string) =>
  `oauth:token-failures:${sha256Hex(`${clientId}\u0000${address}`)}`;

/**
 * Refuses a token request for `clientId` from `address` once their failures in this window
 * reached the limit, so secrets, codes and refresh tokens cannot be guessed at speed. Every such
 * request is refused until the window ends, successful ones included.
 */
export async function refuseAfterTokenFailures(
  deps: LimitDeps,
  clientId: string,
  address: string,
): Promise<void> {
  const failures = await orOpen(deps, 0, () =>
    deps.bus.quotas.current(failureKey(clientId, address), TOKEN_FAILURE_WINDOW_SECONDS),
  );
  if (failures >= limitsOf(deps).tokenFailuresPer10Min) {
    throw new RateLimitedError(
      'too many failed token requests for this client; try again later',
      secondsLeft(TOKEN_FAILURE_WINDOW_SECONDS),
    );
  }
}

/** Whether a token-endpoint error counts against the client: wrong credentials or a bad grant. */
export const isCountedTokenFailure = (err: unknown): boolean =>
  err instanceof OAuthError && (err.error === 'invalid_client' || err.error === 'invalid_grant');

export async function recordTokenFailure(deps: LimitDeps, clientId: string, address: string): Promise<void> {
  await orOpen(deps, 0, () =>
    deps.bus.quotas.increment(failureKey(clientId, address), 1, TOKEN_FAILURE_WINDOW_SECONDS),
  );
}
