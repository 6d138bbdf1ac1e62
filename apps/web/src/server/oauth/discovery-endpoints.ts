import type { AuthServerDeps } from '@toolgate/auth/deps';
import { authorizationServerMetadata, openIdConfiguration } from '@toolgate/auth/metadata';
import { publicJwks } from '@toolgate/auth/signing-keys';
import { errorResponse, json } from './http.ts';

/** Discovery documents change only on deploy; clients may keep them a few minutes. */
const CACHE_METADATA = { 'cache-control': 'public, max-age=300' };
/** Short enough that a rotated key is seen well before the previous key's tokens expire. */
const CACHE_JWKS = { 'cache-control': 'public, max-age=300' };

/** GET /.well-known/oauth-authorization-server (RFC 8414). */
export async function handleAuthorizationServerMetadata(deps: AuthServerDeps): Promise<Response> {
  return json(authorizationServerMetadata(deps), 200, CACHE_METADATA);
}

/** GET /.well-known/openid-configuration (OpenID Connect Discovery, for clients that look there). */
export async function handleOpenIdConfiguration(deps: AuthServerDeps): Promise<Response> {
  return json(openIdConfiguration(deps), 200, CACHE_METADATA);
}

/** GET /.well-known/jwks.json: the current and still-verifying previous signing keys. */
export async function handleJwks(deps: AuthServerDeps): Promise<Response> {
  try {
    return json(await publicJwks(deps.db), 200, CACHE_JWKS);
  } catch (err) {
    return errorResponse(deps, err);
  }
}
