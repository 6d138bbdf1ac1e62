import { ID_JAG_GRANT_PROFILE, JWT_BEARER_GRANT, SUPPORTED_PROMPTS, SUPPORTED_SCOPES } from './constants.ts';
import type { AuthServerDeps } from './deps.ts';

const CLIENT_AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'];

/** RFC 8414 authorization server metadata (`/.well-known/oauth-authorization-server`). */
export function authorizationServerMetadata(deps: Pick<AuthServerDeps, 'issuer'>) {
  const { issuer } = deps;
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    registration_endpoint: `${issuer}/oauth/register`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    scopes_supported: [...SUPPORTED_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token', JWT_BEARER_GRANT],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
    authorization_grant_profiles_supported: [ID_JAG_GRANT_PROFILE],
    prompt_values_supported: [...SUPPORTED_PROMPTS],
  };
}

/**
 * OpenID Provider metadata (`/.well-known/openid-configuration`) for clients that only try OIDC
 * discovery (MCP 2025-11-25 allows either). Toolgate is not an OpenID Provider: it issues no ID
 * tokens and has no userinfo endpoint. The fields discovery requires are filled honestly —
 * `id_token_signing_alg_values_supported` names the algorithm our JWTs use, and `openid` is not
 * among the scopes, so no client can ask for an ID token.
 */
export function openIdConfiguration(deps: Pick<AuthServerDeps, 'issuer'>) {
  return {
    ...authorizationServerMetadata(deps),
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
  };
}
