import {
  endpointUrl,
  httpGet,
  httpPost,
  jsonObject,
  upstreamProblem,
  type UpstreamHttpOptions,
} from './http.ts';

/** An authorization server as RFC 8414 (or OpenID Connect discovery) describes it. */
export interface AuthorizationServer {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  registrationEndpoint?: string;
  revocationEndpoint?: string;
  /** It accepts Client ID Metadata Documents (an https URL as client_id). */
  cimdSupported: boolean;
  /** RFC 9207: authorization responses carry `iss`, which the client must check. */
  issParameterSupported: boolean;
  scopesSupported?: string[];
  /** The whole document, kept with the client registration. */
  metadata: Record<string, unknown>;
}

/** What an MCP server's protected-resource metadata (RFC 9728) and its 401 tell a client. */
export interface UpstreamAuthorization {
  /** The resource indicator (RFC 8707) tokens are requested for. */
  resource: string;
  server: AuthorizationServer;
  /** Scopes the resource names (its 401 `scope`, or `scopes_supported`), if any. */
  scopes: string[];
}

const stringList = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;

/** `resource_metadata` and `scope` of a `WWW-Authenticate: Bearer …` challenge. */
function challengeParams(header: string | string[] | undefined): Record<string, string> {
  const text = Array.isArray(header) ? header.join(', ') : (header ?? '');
  const params: Record<string, string> = {};
  for (const match of text.matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) params[match[1]!.toLowerCase()] = match[2]!;
  return params;
}

/**
 * Whether a resource identifier (RFC 8707/9728) covers a server's URL: the same, or its origin with
 * a path that is a prefix of the server's (and no query or fragment). Used for protected-resource
 * metadata and for the audience of the tokens an authorization server issues.
 */
export function coversServer(resource: string, server: URL | string): boolean {
  let named: URL;
  let wanted: URL;
  try {
    named = new URL(resource);
    wanted = typeof server === 'string' ? new URL(server) : server;
  } catch {
    return false;
  }
  if (named.href === wanted.href) return true;
  if (named.origin !== wanted.origin || named.search !== '' || named.hash !== '') return false;
  const prefix = named.pathname.replace(/\/$/, '');
  return prefix === '' || wanted.pathname === prefix || wanted.pathname.startsWith(`${prefix}/`);
}

/** RFC 8414 §3 / RFC 9728 §3: the well-known segment goes between the host and the path. */
const wellKnown = (base: URL, suffix: string): URL => {
  const path = base.pathname === '/' ? '' : base.pathname.replace(/\/$/, '');
  return new URL(`/.well-known/${suffix}${path}`, base.origin);
};

async function protectedResourceMetadata(mcpUrl: URL, http: UpstreamHttpOptions) {
  // An unauthenticated request: the 401 names the metadata document (MCP authorization, RFC 9728 §5.1).
  const probe = await httpPost(
    mcpUrl,
    JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
    'application/json',
    http,
    { accept: 'application/json, text/event-stream' },
  );
  const challenge = probe.status === 401 ? challengeParams(probe.headers['www-authenticate']) : {};
  const candidates: URL[] = [];
  const named = endpointUrl(challenge.resource_metadata, http.allowPrivate);
  if (named) candidates.push(named);
  candidates.push(
    wellKnown(mcpUrl, 'oauth-protected-resource'),
    new URL('/.well-known/oauth-protected-resource', mcpUrl.origin),
  );
  for (const url of candidates) {
    const answer = await httpGet(url, http);
    const document = answer.status === 200 ? jsonObject(answer) : undefined;
    if (document) return { document, challengeScope: challenge.scope };
  }
  return { document: undefined, challengeScope: challenge.scope };
}

/** Reads an authorization server's metadata: RFC 8414 first, then OpenID Connect discovery. */
export async function authorizationServerMetadata(
  issuer: string,
  http: UpstreamHttpOptions,
): Promise<AuthorizationServer> {
  const base = endpointUrl(issuer, http.allowPrivate);
  if (!base) throw upstreamProblem(`The authorization server ${issuer} is not an https URL`);
  const candidates = [
    wellKnown(base, 'oauth-authorization-server'),
    wellKnown(base, 'openid-configuration'),
    new URL(`${base.pathname.replace(/\/$/, '')}/.well-known/openid-configuration`, base.origin),
  ];
  for (const url of candidates) {
    const answer = await httpGet(url, http);
    const metadata = answer.status === 200 ? jsonObject(answer) : undefined;
    if (!metadata) continue;
    // RFC 8414 §3.3: the document must be the issuer's own.
    if (metadata.issuer !== issuer)
      throw upstreamProblem(`${url.host} published metadata for another issuer (${String(metadata.issuer)})`);
    const authorization = endpointUrl(metadata.authorization_endpoint, http.allowPrivate);
    const token = endpointUrl(metadata.token_endpoint, http.allowPrivate);
    if (!authorization || !token)
      throw upstreamProblem(`${issuer} has no usable authorization and token endpoints`);
    const methods = stringList(metadata.code_challenge_methods_supported) ?? [];
    // MCP requires PKCE; a server that does not say it supports S256 cannot be trusted with it.
    if (!methods.includes('S256'))
      throw upstreamProblem(`${issuer} does not support PKCE with S256, which MCP requires`);
    const registration = endpointUrl(metadata.registration_endpoint, http.allowPrivate);
    const revocation = endpointUrl(metadata.revocation_endpoint, http.allowPrivate);
    const scopes = stringList(metadata.scopes_supported);
    return {
      issuer,
      authorizationEndpoint: authorization.href,
      tokenEndpoint: token.href,
      ...(registration ? { registrationEndpoint: registration.href } : {}),
      ...(revocation ? { revocationEndpoint: revocation.href } : {}),
      cimdSupported: metadata.client_id_metadata_document_supported === true,
      issParameterSupported: metadata.authorization_response_iss_parameter_supported === true,
      ...(scopes ? { scopesSupported: scopes } : {}),
      metadata,
    };
  }
  throw upstreamProblem(`${issuer} publishes no authorization server metadata`);
}

/**
 * Finds how to get tokens for an MCP server, as an MCP client would: its 401 and protected-resource
 * metadata (RFC 9728) name the authorization server, whose metadata (RFC 8414 / OIDC) gives the
 * endpoints. `configuredIssuer` (the registry entry's) skips the first step.
 */
export async function discoverUpstreamAuthorization(
  mcpUrl: string,
  http: UpstreamHttpOptions,
  configured: { issuer?: string; scopes?: string[] } = {},
): Promise<UpstreamAuthorization> {
  const url = endpointUrl(mcpUrl, http.allowPrivate);
  if (!url) throw upstreamProblem('The server URL must be https');
  // The server's own metadata names its resource and scopes even when the issuer is configured.
  const found = await protectedResourceMetadata(url, http).catch((err: unknown) => {
    if (configured.issuer) return { document: undefined, challengeScope: undefined };
    throw err;
  });
  const { document, challengeScope } = found;
  const servers = stringList(document?.authorization_servers);
  const issuer = configured.issuer ?? servers?.[0];
  if (!issuer)
    throw upstreamProblem(
      `${url.host} does not say which authorization server issues its tokens (no protected resource metadata); enter it on the server's settings`,
    );
  const serverUrl = `${url.origin}${url.pathname}`;
  const resource = typeof document?.resource === 'string' ? document.resource : serverUrl;
  // RFC 9728 §3.3: the metadata must be about this server; a server naming another resource would
  // have Toolgate ask for (and hand it) a token meant for someone else.
  if (!coversServer(resource, url))
    throw upstreamProblem(`${url.host} published metadata for another resource (${resource.slice(0, 200)})`);
  const scopes = configured.scopes?.length
    ? configured.scopes
    : (challengeScope?.split(' ').filter(Boolean) ?? stringList(document?.scopes_supported) ?? []);
  const server = await authorizationServerMetadata(issuer, http);
  return { resource, server, scopes };
}
