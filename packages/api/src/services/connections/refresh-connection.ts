import { clientCredentials, requestTokens, UpstreamTokenError } from '@toolgate/auth/upstream-client';
import type { Bus } from '@toolgate/bus';
import { openString, seal, type KeyRing } from '@toolgate/core/crypto';
import type { Database } from '@toolgate/db/client';
import { installations, upstreamConnections, upstreamOAuthClients } from '@toolgate/db/schema';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { deliverChanges, recordEntryChange } from '../../invalidation.ts';
import { credentialsAad } from '../../upstream/discovery-target.ts';
import { CONNECTION_METHODS, recordConnectionEvent, userPrincipal } from './connection-audit.ts';
import { refreshTokenAad } from './connection-urls.ts';
import { otherAudience, otherAudienceMessage } from './token-audience.ts';

/** How long one refresher holds a connection: longer than any token request may take. */
const CLAIM_MS = 30_000;

export type RefreshOutcome =
  /** New tokens stored (and every proxy told). */
  | { kind: 'refreshed'; accessToken: string }
  /** Someone else refreshed it meanwhile, or it does not expire before `unless`. */
  | { kind: 'fresh' }
  /** Another refresher holds it right now. */
  | { kind: 'busy' }
  /** The upstream refused (the refresh token is revoked or expired): the user must reconnect. */
  | { kind: 'needs_reconnect'; reason: string }
  /** Not refreshed this time (the upstream could not be reached); the connection stays usable. */
  | { kind: 'failed'; reason: string };

export interface RefreshConnectionOptions {
  db: Database;
  bus: Bus;
  keys: KeyRing;
  tenantId: string;
  connectionId: string;
  /** Refresh only if the access token expires before this (default: always). */
  unlessValidUntil?: Date;
  /** A refresh done after this counts as done for the caller (a proxy that saw a 401 at that time). */
  refreshedSince?: Date;
  allowPrivate: boolean;
  /**
   * Why it is refreshed, as the audit log tells it: the worker's sweep ahead of expiry, or on
   * demand (a proxy whose upstream refused the token). Default: `refreshedSince` given, on a 401.
   */
  trigger?: RefreshTrigger;
  now?: Date;
}

export type RefreshTrigger = 'ahead_of_expiry' | 'upstream_refused_token' | 'on_demand';

/**
 * Refreshes a connection's access token (refresh grant, RFC 6749 §6, with `resource`). One
 * refresher at a time across every process (a claim on the row, taken atomically, never a lock
 * held over the network), so a rotating refresh token is used once. A refusal, or a JWT access
 * token for another audience (see token-audience.ts), marks the connection `needs_reconnect`,
 * recorded in the audit log (`connection/refresh`) with the marking; routine refreshes and
 * passing failures are not recorded (the connection shows its last error).
 */
export async function refreshConnection(options: RefreshConnectionOptions): Promise<RefreshOutcome> {
  const { db, keys, tenantId, connectionId } = options;
  const now = options.now ?? new Date();
  const mine = and(eq(upstreamConnections.tenantId, tenantId), eq(upstreamConnections.id, connectionId));
  const [claimed] = await db
    .update(upstreamConnections)
    .set({ refreshClaimedUntil: new Date(now.getTime() + CLAIM_MS) })
    .where(
      and(
        mine,
        eq(upstreamConnections.status, 'active'),
        or(isNull(upstreamConnections.refreshClaimedUntil), lt(upstreamConnections.refreshClaimedUntil, now)),
      ),
    )
    .returning();
  if (!claimed) return { kind: 'busy' };
  const release = (values: Partial<typeof upstreamConnections.$inferInsert> = {}) =>
    db
      .update(upstreamConnections)
      .set({ ...values, refreshClaimedUntil: null })
      .where(mine);

  const expires = claimed.accessTokenExpiresAt;
  if (
    (options.unlessValidUntil && expires && expires > options.unlessValidUntil) ||
    (options.refreshedSince && claimed.lastRefreshedAt && claimed.lastRefreshedAt > options.refreshedSince)
  ) {
    await release();
    return { kind: 'fresh' };
  }
  const trigger = options.trigger ?? (options.refreshedSince ? 'upstream_refused_token' : 'on_demand');
  const startedAt = performance.now();
  // The marking and its audit row commit together: one row per connection that needs reconnecting.
  const needsReconnect = (
    reason: string,
    why: 'refresh_refused' | 'no_refresh_token' | 'wrong_audience',
    secrets: readonly (string | undefined)[] = [],
  ): Promise<RefreshOutcome> =>
    db.transaction(async (tx) => {
      await tx
        .update(upstreamConnections)
        .set({ status: 'needs_reconnect', lastError: reason, refreshClaimedUntil: null })
        .where(mine);
      await recordConnectionEvent(tx, {
        tenantId,
        method: CONNECTION_METHODS.refresh,
        status: why === 'no_refresh_token' ? 'error' : 'denied',
        reason: why,
        principalId: userPrincipal(claimed.connectedBy),
        installationId: claimed.installationId,
        message: reason,
        request: { connectionId, trigger },
        response: { connectionStatus: 'needs_reconnect' },
        startedAt,
        secrets,
      });
      return { kind: 'needs_reconnect', reason };
    });
  if (!claimed.refreshTokenSealed)
    return needsReconnect(
      'The server issued no refresh token; connect the account again when the token expires',
      'no_refresh_token',
    );
  const [client] = await db
    .select()
    .from(upstreamOAuthClients)
    .where(and(eq(upstreamOAuthClients.tenantId, tenantId), eq(upstreamOAuthClients.id, claimed.clientId)));
  if (!client) {
    await release();
    return { kind: 'failed', reason: "Toolgate's registration at the server is gone" };
  }
  const refreshToken = openString(keys, claimed.refreshTokenSealed, refreshTokenAad(connectionId));
  let tokens;
  try {
    tokens = await requestTokens(
      String(client.serverMetadata.token_endpoint),
      clientCredentials(keys, client),
      {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        // RFC 8707 §2.2: the same resource again (kept since the column exists; older rows send none).
        ...(claimed.resource ? { resource: claimed.resource } : {}),
      },
      { allowPrivate: options.allowPrivate },
      claimed.scopes,
      now,
    );
  } catch (err) {
    const reason = `The server refused to refresh the token: ${(err as Error).message.slice(0, 300)}`;
    if (err instanceof UpstreamTokenError && err.status >= 400 && err.status < 500)
      return needsReconnect(reason, 'refresh_refused', [refreshToken]);
    await release({ lastError: reason });
    return { kind: 'failed', reason };
  }
  // A token for another audience is not stored; the server may have rotated the refresh token
  // with it, so the account must be connected again.
  const audiences = claimed.resource ? otherAudience(tokens.accessToken, claimed.resource) : undefined;
  if (audiences)
    return needsReconnect(
      `${otherAudienceMessage(audiences, claimed.resource!)}; connect the account again`,
      'wrong_audience',
      [refreshToken, tokens.refreshToken, tokens.accessToken],
    );

  const changes = await db.transaction(async (tx) => {
    const [installation] = await tx
      .update(installations)
      .set({
        credentialsSealed: seal(
          keys,
          JSON.stringify({ accessToken: tokens.accessToken }),
          credentialsAad(claimed.installationId),
        ),
      })
      .where(and(eq(installations.tenantId, tenantId), eq(installations.id, claimed.installationId)))
      .returning({ entryId: installations.registryEntryId });
    await tx
      .update(upstreamConnections)
      .set({
        // A server that does not rotate keeps the refresh token it gave before.
        ...(tokens.refreshToken
          ? { refreshTokenSealed: seal(keys, tokens.refreshToken, refreshTokenAad(connectionId)) }
          : {}),
        accessTokenExpiresAt: tokens.expiresAt ?? null,
        scopes: tokens.scopes.length > 0 ? tokens.scopes : sql`${upstreamConnections.scopes}`,
        lastRefreshedAt: now,
        lastError: null,
        refreshClaimedUntil: null,
      })
      .where(mine);
    return installation ? recordEntryChange(tx, tenantId, installation.entryId, 'connection refreshed') : [];
  });
  await deliverChanges(db, options.bus, changes);
  return { kind: 'refreshed', accessToken: tokens.accessToken };
}
