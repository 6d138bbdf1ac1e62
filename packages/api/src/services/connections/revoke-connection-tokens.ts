import { clientCredentials, revokeToken, type UpstreamClientRow } from '@toolgate/auth/upstream-client';
import { openString, type KeyRing } from '@toolgate/core/crypto';
import { credentialsAad } from '@toolgate/mcp/upstream-target';
import { refreshTokenAad } from './connection-urls.ts';

/**
 * How revoking a connection's tokens at its server went, as the audit log tells it: `revoked`,
 * `refused` (the server confirmed none), `unsupported` (it offers no revocation endpoint).
 */
export type Revocation = 'revoked' | 'refused' | 'unsupported';

/** What revoking needs: the tokens, sealed as stored, and Toolgate's client at the server. */
export interface HeldTokens {
  connection: { id: string; refreshTokenSealed: string | null };
  /** The installation whose credential is the access token. */
  installation: { id: string; credentialsSealed: string | null };
  client: UpstreamClientRow | undefined;
}

/**
 * Tells the server a connection's tokens are no longer wanted (RFC 7009), when it offers
 * revocation: the refresh token first, then the access token. Best effort, within 5 s a request:
 * never throws for the server's sake (see revokeToken).
 */
export async function revokeConnectionTokens(
  keys: KeyRing,
  held: HeldTokens,
  allowPrivate: boolean,
): Promise<{ revocation: Revocation; revokedAtServer: boolean }> {
  const { client, connection, installation } = held;
  const endpoint = client?.serverMetadata.revocation_endpoint;
  if (!client || typeof endpoint !== 'string') return { revocation: 'unsupported', revokedAtServer: false };
  const credentials = clientCredentials(keys, client);
  const http = { allowPrivate, timeoutMs: 5_000 };
  let revokedAtServer = false;
  if (connection.refreshTokenSealed) {
    const refresh = openString(keys, connection.refreshTokenSealed, refreshTokenAad(connection.id));
    revokedAtServer = await revokeToken(endpoint, credentials, refresh, 'refresh_token', http);
  }
  if (installation.credentialsSealed) {
    const { accessToken } = JSON.parse(
      openString(keys, installation.credentialsSealed, credentialsAad(installation.id)),
    ) as { accessToken?: string };
    if (accessToken)
      revokedAtServer =
        (await revokeToken(endpoint, credentials, accessToken, 'access_token', http)) || revokedAtServer;
  }
  return { revocation: revokedAtServer ? 'revoked' : 'refused', revokedAtServer };
}
