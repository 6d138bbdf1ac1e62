import { countAttempt } from '@toolgate/auth/rate-limits';
import type { Bus } from '@toolgate/bus';
import type { Logger } from '@toolgate/core/logger';

/** Reset links one client address may ask for per hour, whatever addresses it types. */
export const PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = 10;

/**
 * The forgot-password form sends at most one link per email address a minute (the service);
 * this also caps one requester: otherwise a script could walk a list of addresses and mail each
 * of them. Throws RateLimitedError past the allowance.
 */
export function countPasswordResetRequest(
  deps: { bus: Bus; log?: Logger },
  clientAddress: string,
  limit = PASSWORD_RESETS_PER_ADDRESS_PER_HOUR,
): Promise<void> {
  return countAttempt(
    deps,
    `password-reset:${clientAddress}`,
    limit,
    3600,
    'Too many reset requests from your network. Please try again later.',
  );
}
