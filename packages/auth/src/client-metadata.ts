import type { TokenEndpointAuthMethod } from '@toolgate/db/schema';
import { z } from 'zod';
import { JWT_BEARER_GRANT, parseScope, SUPPORTED_SCOPES } from './constants.ts';
import { OAuthError } from './errors.ts';

export const AUTHORIZATION_CODE_GRANT = 'authorization_code';
export const REFRESH_TOKEN_GRANT = 'refresh_token';
const GRANT_TYPES = [AUTHORIZATION_CODE_GRANT, REFRESH_TOKEN_GRANT, JWT_BEARER_GRANT] as const;
const DEFAULT_GRANT_TYPES = [AUTHORIZATION_CODE_GRANT, REFRESH_TOKEN_GRANT];
const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Schemes that can run code, read local files or are not a place to deliver a code to. */
const REFUSED_SCHEMES = new Set([
  'javascript:',
  'data:',
  'file:',
  'vbscript:',
  'blob:',
  'about:',
  'filesystem:',
  'ws:',
  'wss:',
  'ftp:',
]);

/** The RFC 7591 fields we act on; others are kept in `metadata` and otherwise ignored. */
export const ZClientMetadata = z.looseObject({
  redirect_uris: z.array(z.string()).optional(),
  token_endpoint_auth_method: z.string().optional(),
  grant_types: z.array(z.string()).optional(),
  response_types: z.array(z.string()).optional(),
  client_name: z.string().trim().min(1).max(200).optional(),
  client_uri: z.string().optional(),
  logo_uri: z.string().optional(),
  scope: z.string().optional(),
});

export interface ClientMetadata {
  redirectUris: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  grantTypes: string[];
  responseTypes: string[];
  clientName?: string;
  clientUri?: string;
  logoUri?: string;
  scope?: string;
}

/**
 * Why a redirect URI is refused, or null when it is acceptable: https anywhere; http only to a
 * loopback host (RFC 8252 §7.3); a private-use scheme such as `cursor://` (§7.1); never a
 * fragment, credentials, or a scheme that runs code or reads files.
 */
export function redirectUriProblem(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URI';
  }
  if (uri.includes('#')) return 'must not contain a fragment';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.protocol === 'https:') return url.hostname ? null : 'has no host';
  if (url.protocol === 'http:') {
    return LOOPBACK_HOSTS.has(url.hostname)
      ? null
      : 'may use http only for a loopback host (127.0.0.1, localhost, [::1])';
  }
  if (REFUSED_SCHEMES.has(url.protocol)) return `must not use the ${url.protocol} scheme`;
  return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? null : 'has an invalid scheme';
}

function httpsUri(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:')
    throw new OAuthError('invalid_client_metadata', `${field} must be an https URL`);
  return value;
}

/**
 * Validates registration metadata (DCR body, CIMD document, admin form) into what we store.
 * `confidentialAllowed`: whether a client secret may be issued (not for CIMD). Grant types
 * default to authorization_code + refresh_token (the refresh token is what makes MCP sessions
 * survive; RFC 7591's default of authorization_code alone would strand clients that omit it).
 */
export function validateClientMetadata(
  raw: unknown,
  { confidentialAllowed }: { confidentialAllowed: boolean },
): ClientMetadata {
  const parsed = ZClientMetadata.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new OAuthError(
      'invalid_client_metadata',
      `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid metadata'}`,
    );
  }
  const body = parsed.data;

  const method = body.token_endpoint_auth_method ?? 'none';
  if (!(AUTH_METHODS as readonly string[]).includes(method)) {
    throw new OAuthError(
      'invalid_client_metadata',
      `token_endpoint_auth_method ${method} is not supported (none, client_secret_basic, client_secret_post)`,
    );
  }
  if (method !== 'none' && !confidentialAllowed) {
    throw new OAuthError('invalid_client_metadata', 'token_endpoint_auth_method must be none');
  }

  const grantTypes = [...new Set(body.grant_types ?? DEFAULT_GRANT_TYPES)];
  for (const grant of grantTypes) {
    if (!(GRANT_TYPES as readonly string[]).includes(grant)) {
      throw new OAuthError('invalid_client_metadata', `grant_types: ${grant} is not supported`);
    }
  }
  if (grantTypes.length === 0)
    throw new OAuthError('invalid_client_metadata', 'grant_types must not be empty');
  if (grantTypes.includes(JWT_BEARER_GRANT) && method === 'none') {
    throw new OAuthError('invalid_client_metadata', `${JWT_BEARER_GRANT} is for confidential clients only`);
  }
  if (grantTypes.includes(REFRESH_TOKEN_GRANT) && !grantTypes.includes(AUTHORIZATION_CODE_GRANT)) {
    throw new OAuthError('invalid_client_metadata', 'refresh_token needs authorization_code');
  }

  const responseTypes = [...new Set(body.response_types ?? ['code'])];
  if (responseTypes.some((t) => t !== 'code')) {
    throw new OAuthError('invalid_client_metadata', 'response_types may only contain code');
  }

  const redirectUris = [...new Set(body.redirect_uris ?? [])];
  if (grantTypes.includes(AUTHORIZATION_CODE_GRANT) && redirectUris.length === 0) {
    throw new OAuthError('invalid_redirect_uri', 'redirect_uris is required');
  }
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new OAuthError('invalid_redirect_uri', `redirect_uri ${uri} ${problem}`);
  }

  let scope: string | undefined;
  if (body.scope !== undefined) {
    const scopes = parseScope(body.scope);
    const unknown = scopes.filter((s) => !(SUPPORTED_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0) {
      throw new OAuthError('invalid_client_metadata', `scope: unsupported ${unknown.join(' ')}`);
    }
    scope = scopes.join(' ');
  }

  return {
    redirectUris,
    tokenEndpointAuthMethod: method as TokenEndpointAuthMethod,
    grantTypes,
    responseTypes,
    clientName: body.client_name,
    clientUri: httpsUri('client_uri', body.client_uri),
    logoUri: httpsUri('logo_uri', body.logo_uri),
    scope,
  };
}
