import { oauthRefreshTokens } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { authenticateClient, clientCredentials, type ClientCredentials } from './clients.ts';
import { ACCESS_TOKEN_VERIFY_OPTIONS, sha256Hex } from './constants.ts';
import { nowOf, type AuthServerDeps } from './deps.ts';
import { OAuthError } from './errors.ts';
import { publicJwks } from './signing-keys.ts';
import { oauthErrorResponse, param, type OAuthHttpResponse } from './token.ts';
import { revokeAccessTokens, revokeFamily } from './token-families.ts';

const OK: OAuthHttpResponse = {
  status: 200,
  body: {},
  headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
};

/**
 * Token revocation (RFC 7009). The client authenticates (a public one by its client_id); a
 * refresh token ends its whole family, an access token goes on the revocation set until it would
 * have expired. Unknown tokens, and tokens of other clients, answer 200 without effect, so the
 * endpoint tells nothing about tokens the caller does not own.
 */
export async function handleRevocation(
  deps: AuthServerDeps,
  { form, authorization }: { form: URLSearchParams; authorization?: string | null },
): Promise<OAuthHttpResponse> {
  let credentials: ClientCredentials | undefined;
  try {
    credentials = clientCredentials(form, authorization);
    const client = await authenticateClient(deps, credentials);
    const token = param(form, 'token');
    if (!token) throw new OAuthError('invalid_request', 'token is required');
    // token_type_hint is only a hint (RFC 7009 §2.1): the token's own shape decides.
    param(form, 'token_type_hint');
    if (!token.startsWith('tgr_')) {
      if (token.split('.').length === 3) await revokeAccessToken(deps, client.clientId, token);
      return OK;
    }
    const [row] = await deps.db
      .select({
        tenantId: oauthRefreshTokens.tenantId,
        familyId: oauthRefreshTokens.familyId,
        clientId: oauthRefreshTokens.clientId,
      })
      .from(oauthRefreshTokens)
      .where(eq(oauthRefreshTokens.tokenHash, sha256Hex(token)));
    if (row && row.clientId === client.id) await revokeFamily(deps, row);
    return OK;
  } catch (err) {
    return oauthErrorResponse(deps, err, credentials);
  }
}

async function revokeAccessToken(deps: AuthServerDeps, clientId: string, token: string): Promise<void> {
  const now = nowOf(deps);
  let payload;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet(await publicJwks(deps.db, now)), {
      ...ACCESS_TOKEN_VERIFY_OPTIONS,
      issuer: deps.issuer,
      currentDate: now,
    }));
  } catch {
    return; // Expired, foreign or forged: nothing to revoke.
  }
  if (payload.client_id !== clientId || typeof payload.jti !== 'string' || typeof payload.tid !== 'string')
    return;
  const remaining = (payload.exp ?? 0) - Math.floor(now.getTime() / 1000);
  if (remaining > 0) await revokeAccessTokens(deps, payload.tid, [payload.jti], remaining);
}
