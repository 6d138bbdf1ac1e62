import { sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { deleteRowsInChunks, type ExpireOptions } from './expire.ts';

/**
 * Spent authorization-server records are kept a day past their end, then deleted: long enough
 * that a replayed code or refresh token is still recognised as reuse (and revokes its family)
 * while it could have been valid, short enough that the tables do not grow for ever. A used
 * refresh token is kept until it expires, since presenting it again is exactly what reuse
 * detection looks for. Consent grants stay (they are what Connected apps shows).
 */
export const OAUTH_RECORD_GRACE_MS = 86_400_000;

export interface ExpiredOAuthRecords {
  codes: number;
  refreshTokens: number;
  assertionJtis: number;
}

export async function expireOAuthRecords(
  db: Database,
  options: ExpireOptions = {},
): Promise<ExpiredOAuthRecords> {
  const now = options.now ?? new Date();
  const before = new Date(now.getTime() - OAUTH_RECORD_GRACE_MS).toISOString();
  const codes = await deleteRowsInChunks(
    db,
    'oauth_authorization_codes',
    sql`expires_at < ${before}`,
    options,
  );
  const refreshTokens = await deleteRowsInChunks(
    db,
    'oauth_refresh_tokens',
    sql`expires_at < ${before} or revoked_at < ${before}`,
    options,
  );
  // A jti only has to be remembered while its assertion could still be presented.
  const assertionJtis = await deleteRowsInChunks(
    db,
    'oauth_assertion_jtis',
    sql`expires_at < ${now.toISOString()}`,
    options,
  );
  return { codes, refreshTokens, assertionJtis };
}
