import { registerClient } from '@toolgate/auth/clients';
import type { AuthServerDeps } from '@toolgate/auth/deps';
import { countRegistration } from '@toolgate/auth/rate-limits';
import { handleRevocation } from '@toolgate/auth/revoke';
import { handleTokenRequest, type OAuthHttpResponse } from '@toolgate/auth/token';
import { clientAddress } from './client-address.ts';
import type { OAuthEndpointDeps } from './deps.ts';
import { errorResponse, json, NO_STORE, readForm, readJson } from './http.ts';

/** Registration documents are small; anything larger is not a client's metadata. */
const MAX_REGISTRATION_BYTES = 16 * 1024;
/** A token request holds a code, a verifier, a refresh token or an assertion: a few KB at most. */
const MAX_FORM_BYTES = 64 * 1024;

/**
 * POST /oauth/register: Dynamic Client Registration (RFC 7591). Every attempt counts against the
 * client's address (client-address.ts); past the hourly limit the answer is 429 with Retry-After.
 */
export async function handleRegister(deps: OAuthEndpointDeps, request: Request): Promise<Response> {
  try {
    await countRegistration(deps, clientAddress(request, deps.trustedProxyHops ?? 0));
    const body = await readJson(request, MAX_REGISTRATION_BYTES);
    return json(await registerClient(deps, body), 201, NO_STORE);
  } catch (err) {
    return errorResponse(deps, err);
  }
}

/** The library's response (errors included, with `WWW-Authenticate: Basic` where due) plus CORS. */
const endpointResponse = (result: OAuthHttpResponse): Response =>
  json(result.body, result.status, { ...NO_STORE, ...result.headers });

/** POST /oauth/token: authorization_code, refresh_token and the JWT bearer (ID-JAG) grant. */
export async function handleToken(deps: OAuthEndpointDeps, request: Request): Promise<Response> {
  try {
    const form = await readForm(request, MAX_FORM_BYTES);
    const authorization = request.headers.get('authorization') ?? undefined;
    const address = clientAddress(request, deps.trustedProxyHops ?? 0);
    return endpointResponse(await handleTokenRequest(deps, { form, authorization, clientAddress: address }));
  } catch (err) {
    return errorResponse(deps, err);
  }
}

/** POST /oauth/revoke: token revocation (RFC 7009). */
export async function handleRevoke(deps: AuthServerDeps, request: Request): Promise<Response> {
  try {
    const form = await readForm(request, MAX_FORM_BYTES);
    const authorization = request.headers.get('authorization') ?? undefined;
    return endpointResponse(await handleRevocation(deps, { form, authorization }));
  } catch (err) {
    return errorResponse(deps, err);
  }
}
