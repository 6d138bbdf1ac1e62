import { endpointUrl, httpPost, jsonObject, upstreamProblem, type UpstreamHttpOptions } from './http.ts';

/** How Toolgate authenticates at an upstream's token endpoint. */
export interface UpstreamClientCredentials {
  clientId: string;
  clientSecret?: string;
  /** `none` (public client, PKCE), `client_secret_basic` or `client_secret_post`. */
  authMethod: string;
}

export interface UpstreamTokens {
  accessToken: string;
  refreshToken?: string;
  /** Absolute expiry of the access token, when the server said. */
  expiresAt?: Date;
  scopes: string[];
  /** `sub` of the ID token, or another name the server gave for the account. */
  account?: string;
}

/** An answer the token endpoint gave instead of tokens (RFC 6749 §5.2). */
export class UpstreamTokenError extends Error {
  constructor(
    readonly error: string,
    readonly description: string | undefined,
    readonly status: number,
  ) {
    super(description ? `${error}: ${description}` : error);
    this.name = 'UpstreamTokenError';
  }
}

function clientAuth(client: UpstreamClientCredentials, form: URLSearchParams): Record<string, string> {
  if (client.authMethod === 'client_secret_basic' && client.clientSecret !== undefined) {
    const user = encodeURIComponent(client.clientId);
    const pass = encodeURIComponent(client.clientSecret);
    return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
  }
  form.set('client_id', client.clientId);
  if (client.authMethod === 'client_secret_post' && client.clientSecret !== undefined)
    form.set('client_secret', client.clientSecret);
  return {};
}

/** The `sub` of an ID token, read without verifying: only shown as the account's name. */
function idTokenSubject(idToken: unknown): string | undefined {
  if (typeof idToken !== 'string') return undefined;
  try {
    const payload = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      email?: unknown;
      preferred_username?: unknown;
      sub?: unknown;
    };
    const name = payload.email ?? payload.preferred_username ?? payload.sub;
    return typeof name === 'string' ? name.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

/** A token request (authorization code, refresh, token exchange); throws UpstreamTokenError. */
export async function requestTokens(
  tokenEndpoint: string,
  client: UpstreamClientCredentials,
  params: Record<string, string>,
  http: UpstreamHttpOptions,
  requestedScopes: string[] = [],
  now = new Date(),
): Promise<UpstreamTokens> {
  const endpoint = endpointUrl(tokenEndpoint, http.allowPrivate);
  if (!endpoint)
    throw upstreamProblem(`The token endpoint ${tokenEndpoint.slice(0, 200)} is not an https URL`);
  const form = new URLSearchParams(params);
  const headers = clientAuth(client, form);
  const answer = await httpPost(
    endpoint,
    form.toString(),
    'application/x-www-form-urlencoded',
    http,
    headers,
  );
  const body = jsonObject(answer);
  if (answer.status !== 200 || !body) {
    const error = typeof body?.error === 'string' ? body.error : `http_${answer.status}`;
    const description =
      typeof body?.error_description === 'string' ? body.error_description.slice(0, 300) : undefined;
    throw new UpstreamTokenError(error, description, answer.status);
  }
  if (typeof body.access_token !== 'string' || body.access_token === '')
    throw upstreamProblem(`${new URL(tokenEndpoint).host} answered without an access token`);
  // RFC 8693 §2.2.1: "N_A" for an issued token that is not an access token (an ID-JAG).
  if (typeof body.token_type === 'string' && !['bearer', 'n_a'].includes(body.token_type.toLowerCase()))
    throw upstreamProblem(
      `${new URL(tokenEndpoint).host} issued a ${body.token_type} token; only Bearer tokens can be used`,
    );
  const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : undefined;
  const scopes = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : requestedScopes;
  const account = idTokenSubject(body.id_token);
  return {
    accessToken: body.access_token,
    ...(typeof body.refresh_token === 'string' && body.refresh_token !== ''
      ? { refreshToken: body.refresh_token }
      : {}),
    ...(expiresIn ? { expiresAt: new Date(now.getTime() + expiresIn * 1000) } : {}),
    scopes,
    ...(account ? { account } : {}),
  };
}

/** RFC 7009: tells the upstream a token is no longer wanted. Best effort: failures are reported, not thrown. */
export async function revokeToken(
  revocationEndpoint: string,
  client: UpstreamClientCredentials,
  token: string,
  hint: 'refresh_token' | 'access_token',
  http: UpstreamHttpOptions,
): Promise<boolean> {
  if (!endpointUrl(revocationEndpoint, http.allowPrivate)) return false;
  const form = new URLSearchParams({ token, token_type_hint: hint });
  const headers = clientAuth(client, form);
  try {
    const answer = await httpPost(
      new URL(revocationEndpoint),
      form.toString(),
      'application/x-www-form-urlencoded',
      http,
      headers,
    );
    return answer.status === 200;
  } catch {
    return false;
  }
}
