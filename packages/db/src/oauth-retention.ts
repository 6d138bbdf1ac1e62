import { sql } from 'drizzle-orm';
import type { Database } from './client.ts';
import { deleteInChunks, type ExpireOptions } from './expire.ts';

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
  const codes = await deleteInChunks(
    db,
    (limit) => sql`
      delete from oauth_authorization_codes where ctid = any(array(
        select ctid from oauth_authorization_codes where expires_at < ${before}
        limit ${limit} for update skip locked))`,
    options,
  );
  const refreshTokens = await deleteInChunks(
    db,
    (limit) => sql`
      delete from oauth_refresh_tokens where ctid = any(array(
        select ctid from oauth_refresh_tokens where expires_at < ${before} or revoked_at < ${before}
        limit ${limit} for update skip locked))`,
    options,
  );
  // A jti only has to be remembered while its assertion could still be presented.
  const assertionJtis = await deleteInChunks(
    db,
    (limit) => sql`
      delete from oauth_assertion_jtis where ctid = any(array(
        select ctid from oauth_assertion_jtis where expires_at < ${now.toISOString()}
        limit ${limit} for update skip locked))`,
    options,
  );
  return { codes, refreshTokens, assertionJtis };
}
