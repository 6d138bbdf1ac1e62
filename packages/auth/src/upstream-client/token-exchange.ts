import type { UpstreamHttpOptions } from './http.ts';
import { requestTokens, type UpstreamClientCredentials, type UpstreamTokens } from './tokens.ts';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
export const TOKEN_TYPE_ID_TOKEN = 'urn:ietf:params:oauth:token-type:id_token';
/** draft-ietf-oauth-identity-assertion-authz-grant: an Identity Assertion JWT Authorization Grant. */
export const TOKEN_TYPE_ID_JAG = 'urn:ietf:params:oauth:token-type:id-jag';

export interface ExchangeRequest {
  /** The enterprise IdP's token endpoint. */
  tokenEndpoint: string;
  /** The gateway's client at the IdP (the actor of the exchange). */
  client: UpstreamClientCredentials;
  /** The caller's identity: the IdP JWT they authenticated with. */
  subjectToken: string;
  subjectTokenType?: string;
  /** What the token is for: the upstream's resource URL (RFC 8707) and/or audience. */
  resource?: string;
  audience?: string;
  scopes?: string[];
  requestedTokenType?: string;
}

/**
 * RFC 8693 token exchange: trades the caller's identity token at the IdP for a token for the
 * upstream, the gateway authenticating as its client. Throws UpstreamTokenError on a refusal.
 */
export function exchangeToken(request: ExchangeRequest, http: UpstreamHttpOptions): Promise<UpstreamTokens> {
  const params: Record<string, string> = {
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: request.subjectToken,
    subject_token_type: request.subjectTokenType ?? TOKEN_TYPE_JWT,
  };
  if (request.resource) params.resource = request.resource;
  if (request.audience) params.audience = request.audience;
  if (request.scopes?.length) params.scope = request.scopes.join(' ');
  if (request.requestedTokenType) params.requested_token_type = request.requestedTokenType;
  return requestTokens(request.tokenEndpoint, request.client, params, http, request.scopes ?? []);
}

/**
 * ID-JAG to an upstream: the IdP issues an Identity Assertion JWT Authorization Grant for the
 * upstream's authorization server (a token exchange asking for `id-jag`), which the gateway then
 * redeems there with the JWT bearer grant (RFC 7523) for an access token.
 */
export async function idJagAccessToken(
  request: {
    idp: Omit<ExchangeRequest, 'requestedTokenType' | 'audience'>;
    /** The upstream's authorization server: the ID-JAG's audience, and where it is redeemed. */
    upstreamIssuer: string;
    upstreamTokenEndpoint: string;
    upstreamClient: UpstreamClientCredentials;
  },
  http: UpstreamHttpOptions,
): Promise<UpstreamTokens> {
  const grant = await exchangeToken(
    { ...request.idp, audience: request.upstreamIssuer, requestedTokenType: TOKEN_TYPE_ID_JAG },
    http,
  );
  const params: Record<string, string> = { grant_type: JWT_BEARER_GRANT, assertion: grant.accessToken };
  if (request.idp.resource) params.resource = request.idp.resource;
  if (request.idp.scopes?.length) params.scope = request.idp.scopes.join(' ');
  return requestTokens(
    request.upstreamTokenEndpoint,
    request.upstreamClient,
    params,
    http,
    request.idp.scopes ?? [],
  );
}
