import { randomBytes, timingSafeEqual } from 'node:crypto';
import { oauthClients } from '@toolgate/db/schema';
import { eq } from 'drizzle-orm';
import { isCimdClientId, resolveCimdClient } from './cimd.ts';
import { validateClientMetadata, type ClientMetadata } from './client-metadata.ts';
import { opaqueToken, sha256Hex } from './constants.ts';
import { nowOf, type AuthServerDeps } from './deps.ts';
import { OAuthError } from './errors.ts';

export type OAuthClient = typeof oauthClients.$inferSelect;
export type ClientAuthMethodUsed = 'none' | 'client_secret_basic' | 'client_secret_post';

/** Public identifiers of clients we register: not guessable, distinct from every token prefix. */
const newClientId = (): string => `tgc-${randomBytes(16).toString('hex')}`;

/** The RFC 7591 §3.2.1 response. */
export interface ClientRegistrationResponse {
  client_id: string;
  client_secret?: string;
  client_id_issued_at: number;
  client_secret_expires_at?: number;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  grant_types: string[];
  response_types: string[];
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  scope?: string;
}

function rowValues(meta: ClientMetadata, name: string) {
  return {
    name,
    redirectUris: meta.redirectUris,
    grantTypes: meta.grantTypes,
    tokenEndpointAuthMethod: meta.tokenEndpointAuthMethod,
    clientUri: meta.clientUri ?? null,
    logoUri: meta.logoUri ?? null,
  };
}

/**
 * Dynamic Client Registration (RFC 7591). Anyone may register; a registered client obtains
 * nothing until a user consents. Confidential clients get a secret, shown once, stored hashed.
 */
export async function registerClient(
  deps: AuthServerDeps,
  body: unknown,
): Promise<ClientRegistrationResponse> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OAuthError('invalid_client_metadata', 'the registration request must be a JSON object');
  }
  const meta = validateClientMetadata(body, { confidentialAllowed: true });
  const confidential = meta.tokenEndpointAuthMethod !== 'none';
  const clientSecret = confidential ? opaqueToken('tgs_') : undefined;
  const clientId = newClientId();
  const now = nowOf(deps);
  const name = meta.clientName ?? 'Unnamed client';
  await deps.db.insert(oauthClients).values({
    clientId,
    kind: 'dcr',
    ...rowValues(meta, name),
    clientSecretHash: clientSecret ? sha256Hex(clientSecret) : null,
    metadata: body as Record<string, unknown>,
    createdAt: now,
    updatedAt: now,
  });
  return {
    client_id: clientId,
    ...(clientSecret ? { client_secret: clientSecret, client_secret_expires_at: 0 } : {}),
    client_id_issued_at: Math.floor(now.getTime() / 1000),
    redirect_uris: meta.redirectUris,
    token_endpoint_auth_method: meta.tokenEndpointAuthMethod,
    grant_types: meta.grantTypes,
    response_types: meta.responseTypes,
    ...(meta.clientName ? { client_name: meta.clientName } : {}),
    ...(meta.clientUri ? { client_uri: meta.clientUri } : {}),
    ...(meta.logoUri ? { logo_uri: meta.logoUri } : {}),
    ...(meta.scope !== undefined ? { scope: meta.scope } : {}),
  };
}

export interface CreatePreregisteredClientInput {
  tenantId: string;
  name: string;
  redirectUris: string[];
  /** Confidential clients authenticate with client_secret_basic and may use the jwt-bearer grant. */
  confidential: boolean;
  createdBy: string | null;
  /** Default: authorization_code + refresh_token, plus jwt-bearer (ID-JAG) when confidential. */
  grantTypes?: string[];
  clientUri?: string;
  logoUri?: string;
}

/**
 * A client registered by a tenant admin: it may obtain tokens for that tenant's gateways only.
 * The secret is returned once and stored hashed. OAuthError (invalid_redirect_uri,
 * invalid_client_metadata) for what DCR would refuse too.
 */
export async function createPreregisteredClient(
  deps: Pick<AuthServerDeps, 'db' | 'now'>,
  input: CreatePreregisteredClientInput,
): Promise<{ client: OAuthClient; clientSecret?: string }> {
  const name = input.name.trim();
  if (!name) throw new OAuthError('invalid_client_metadata', 'client_name is required');
  const meta = validateClientMetadata(
    {
      client_name: name,
      redirect_uris: input.redirectUris,
      token_endpoint_auth_method: input.confidential ? 'client_secret_basic' : 'none',
      grant_types:
        input.grantTypes ??
        (input.confidential
          ? ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer']
          : ['authorization_code', 'refresh_token']),
      ...(input.clientUri ? { client_uri: input.clientUri } : {}),
      ...(input.logoUri ? { logo_uri: input.logoUri } : {}),
    },
    { confidentialAllowed: true },
  );
  const clientSecret = input.confidential ? opaqueToken('tgs_') : undefined;
  const now = nowOf(deps);
  const [client] = await deps.db
    .insert(oauthClients)
    .values({
      clientId: newClientId(),
      kind: 'preregistered',
      tenantId: input.tenantId,
      ...rowValues(meta, name),
      clientSecretHash: clientSecret ? sha256Hex(clientSecret) : null,
      metadata: { client_name: name, redirect_uris: meta.redirectUris, grant_types: meta.grantTypes },
      createdBy: input.createdBy,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return { client: client!, ...(clientSecret ? { clientSecret } : {}) };
}

/**
 * The client a `client_id` names: a registered row, or (an https URL) its Client ID Metadata
 * Document. `cimd: 'fetch'` (the authorization endpoint) fetches the document when the cache has
 * none; `'stored'` (token and revocation endpoints) uses the row saved when the user authorized,
 * so a refresh does not depend on the client's web server being up. Null when unknown; an
 * OAuthError(invalid_client) when a metadata document cannot be used.
 */
export async function findClient(
  deps: AuthServerDeps,
  clientId: string,
  {
    cimd = 'fetch',
    requester,
  }: {
    cimd?: 'fetch' | 'stored';
    /** The requesting client address, counted when a metadata document must be fetched. */
    requester?: string;
  } = {},
): Promise<OAuthClient | null> {
  if (!clientId) return null;
  if (isCimdClientId(clientId)) {
    if (cimd === 'stored') {
      const [row] = await deps.db.select().from(oauthClients).where(eq(oauthClients.clientId, clientId));
      if (row) return row;
    }
    return resolveCimdClient(deps, clientId, requester);
  }
  const [row] = await deps.db.select().from(oauthClients).where(eq(oauthClients.clientId, clientId));
  return row ?? null;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret?: string;
  method: ClientAuthMethodUsed;
}

function formValue(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) throw new OAuthError('invalid_request', `${name} was sent more than once`);
  return values[0] || undefined;
}

/**
 * The client credentials of a token or revocation request: HTTP Basic (RFC 6749 §2.3.1, both
 * parts form-urlencoded), or client_id (+ client_secret) in the body. Using both is refused.
 */
export function clientCredentials(form: URLSearchParams, authorization?: string | null): ClientCredentials {
  const formId = formValue(form, 'client_id');
  const formSecret = formValue(form, 'client_secret');
  if (authorization && /^basic /i.test(authorization)) {
    if (formSecret !== undefined) {
      throw new OAuthError('invalid_request', 'use one client authentication method, not two');
    }
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client', 'malformed Basic credentials');
    let id: string;
    let secret: string;
    try {
      const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      id = decode(decoded.slice(0, colon));
      secret = decode(decoded.slice(colon + 1));
    } catch {
      throw new OAuthError('invalid_client', 'malformed Basic credentials');
    }
    if (formId !== undefined && formId !== id) {
      throw new OAuthError('invalid_request', 'client_id differs from the Basic credentials');
    }
    return { clientId: id, clientSecret: secret, method: 'client_secret_basic' };
  }
  if (!formId) throw new OAuthError('invalid_client', 'client authentication is required (client_id)');
  return formSecret !== undefined
    ? { clientId: formId, clientSecret: formSecret, method: 'client_secret_post' }
    : { clientId: formId, method: 'none' };
}

function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(sha256Hex(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/**
 * Token-endpoint client authentication: a confidential client must use the method it registered
 * with and the right secret; a public client proves nothing but must not present a secret.
 * OAuthError(invalid_client, 401) otherwise, always with the same description for a bad secret
 * and an unknown client.
 */
export async function authenticateClient(
  deps: AuthServerDeps,
  credentials: ClientCredentials,
): Promise<OAuthClient> {
  const client = await findClient(deps, credentials.clientId, { cimd: 'stored' }).catch(() => null);
  if (!client) throw new OAuthError('invalid_client', 'client authentication failed');
  if (client.tokenEndpointAuthMethod === 'none') {
    if (credentials.clientSecret !== undefined) {
      throw new OAuthError('invalid_client', 'this public client has no secret to present');
    }
    return client;
  }
  if (credentials.method !== client.tokenEndpointAuthMethod) {
    throw new OAuthError(
      'invalid_client',
      `this client must authenticate with ${client.tokenEndpointAuthMethod}`,
    );
  }
  if (
    !credentials.clientSecret ||
    !client.clientSecretHash ||
    !secretMatches(credentials.clientSecret, client.clientSecretHash)
  ) {
    throw new OAuthError('invalid_client', 'client authentication failed');
  }
  return client;
}

/** Records that a client just obtained a token (shown to admins as "last used"). */
export async function updateLastUsed(
  deps: Pick<AuthServerDeps, 'db' | 'now'>,
  clientRowId: string,
): Promise<void> {
  await deps.db
    .update(oauthClients)
    .set({ lastUsedAt: nowOf(deps) })
    .where(eq(oauthClients.id, clientRowId));
}
