import { openString, seal, type KeyRing } from '@toolgate/core/crypto';
import type { Database } from '@toolgate/db/client';
import { upstreamOAuthClients } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { AuthorizationServer } from './discovery.ts';
import { httpPost, jsonObject, upstreamProblem, type UpstreamHttpOptions } from './http.ts';
import type { UpstreamClientCredentials } from './tokens.ts';

export type UpstreamClientRow = typeof upstreamOAuthClients.$inferSelect;

export const clientSecretAad = (id: string) => `upstream-client:${id}`;

export interface EnsureClientOptions {
  db: Database;
  keys: KeyRing;
  tenantId: string;
  registryEntryId: string;
  server: AuthorizationServer;
  /** Toolgate's callback for upstream authorizations. */
  redirectUri: string;
  /** Toolgate's Client ID Metadata Document URL (https only; else CIMD is not offered). */
  cimdUrl?: string;
  /** A client an admin registered by hand at the upstream (entered on the registry entry). */
  manual?: { clientId: string; clientSecret?: string };
  http: UpstreamHttpOptions;
}

/**
 * Toolgate's client registration at an upstream's authorization server, made once per (tenant,
 * entry, issuer) and kept: the admin's own client when one was entered, else a Client ID Metadata
 * Document when the server accepts them, else Dynamic Client Registration (RFC 7591).
 */
export async function ensureUpstreamClient(options: EnsureClientOptions): Promise<UpstreamClientRow> {
  const { db, tenantId, registryEntryId, server } = options;
  const where = and(
    eq(upstreamOAuthClients.tenantId, tenantId),
    eq(upstreamOAuthClients.registryEntryId, registryEntryId),
    eq(upstreamOAuthClients.issuer, server.issuer),
  );
  const [existing] = await db.select().from(upstreamOAuthClients).where(where);
  // A hand-registered client is always written again: its secret may have been rotated.
  if (existing && options.manual === undefined) return existing;
  const registered = await register(options);
  const values = {
    tenantId,
    registryEntryId,
    issuer: server.issuer,
    registration: registered.registration,
    clientId: registered.clientId,
    tokenEndpointAuthMethod: registered.authMethod,
    serverMetadata: server.metadata,
  };
  const [row] = await db
    .insert(upstreamOAuthClients)
    .values(values)
    .onConflictDoUpdate({
      target: [
        upstreamOAuthClients.tenantId,
        upstreamOAuthClients.registryEntryId,
        upstreamOAuthClients.issuer,
      ],
      set: { ...values, clientSecretSealed: null },
    })
    .returning();
  if (registered.clientSecret === undefined) return row!;
  const [sealed] = await db
    .update(upstreamOAuthClients)
    .set({ clientSecretSealed: seal(options.keys, registered.clientSecret, clientSecretAad(row!.id)) })
    .where(eq(upstreamOAuthClients.id, row!.id))
    .returning();
  return sealed!;
}

async function register(options: EnsureClientOptions): Promise<{
  registration: 'cimd' | 'dcr' | 'manual';
  clientId: string;
  clientSecret?: string;
  authMethod: string;
}> {
  const { server, manual } = options;
  if (manual) {
    return {
      registration: 'manual',
      clientId: manual.clientId,
      ...(manual.clientSecret ? { clientSecret: manual.clientSecret } : {}),
      authMethod: manual.clientSecret ? 'client_secret_basic' : 'none',
    };
  }
  if (server.cimdSupported && options.cimdUrl?.startsWith('https://'))
    return { registration: 'cimd', clientId: options.cimdUrl, authMethod: 'none' };
  if (!server.registrationEndpoint)
    throw upstreamProblem(
      `${server.issuer} accepts neither Client ID Metadata Documents nor Dynamic Client Registration: register Toolgate there (redirect URI ${options.redirectUri}) and enter its client id on the server's settings`,
    );
  const answer = await httpPost(
    new URL(server.registrationEndpoint),
    JSON.stringify({
      client_name: 'Toolgate',
      redirect_uris: [options.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'web',
    }),
    'application/json',
    options.http,
  );
  const body = jsonObject(answer);
  if ((answer.status !== 201 && answer.status !== 200) || typeof body?.client_id !== 'string') {
    const why =
      typeof body?.error_description === 'string' ? `: ${body.error_description.slice(0, 200)}` : '';
    throw upstreamProblem(`${server.issuer} refused to register Toolgate (HTTP ${answer.status})${why}`);
  }
  const secret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
  const method =
    typeof body.token_endpoint_auth_method === 'string' ? body.token_endpoint_auth_method : 'none';
  return {
    registration: 'dcr',
    clientId: body.client_id,
    ...(secret ? { clientSecret: secret } : {}),
    authMethod: secret ? (method === 'none' ? 'client_secret_basic' : method) : 'none',
  };
}

/** The client's credentials for the token endpoint, its secret opened. */
export function clientCredentials(keys: KeyRing, row: UpstreamClientRow): UpstreamClientCredentials {
  return {
    clientId: row.clientId,
    authMethod: row.tokenEndpointAuthMethod,
    ...(row.clientSecretSealed
      ? { clientSecret: openString(keys, row.clientSecretSealed, clientSecretAad(row.id)) }
      : {}),
  };
}
