import { randomUUID } from 'node:crypto';
import {
  clientCredentials,
  requestTokens,
  stateHash,
  UpstreamTokenError,
  type UpstreamTokens,
} from '@toolgate/auth/upstream-client';
import type { Bus } from '@toolgate/bus';
import { openString, seal, type KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import {
  installations,
  memberships,
  registryEntries,
  upstreamConnections,
  upstreamOAuthClients,
  upstreamOAuthStates,
} from '@toolgate/db/schema';
import { and, eq, isNull } from 'drizzle-orm';
import { deliverChanges, recordEntryChange, tenantSlugOf } from '../../invalidation.ts';
import { credentialsAad } from '../../upstream/discovery-target.ts';
import { requireAdmin } from '../../actor.ts';
import { findVisibleInstallation, requireInstallationManager } from '../../installation-access.ts';
import { requireTeamMaintainer } from '../../team-access.ts';
import { discoverInstallation } from '../discover-installation.ts';
import { refreshTokenAad, verifierAad } from './connection-urls.ts';

export interface CallbackParams {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
  iss?: string;
}

export interface CompleteConnectionOptions {
  db: Database;
  bus: Bus;
  keys: KeyRing;
  /** The signed-in user the callback reached (their web session). */
  userId: string;
  params: CallbackParams;
  allowPrivate: boolean;
  now?: Date;
}

export interface CompletedConnection {
  tenantSlug: string;
  installationId: string;
  connectionId: string;
  /** A new installation (not a reconnected one). */
  created: boolean;
}

const refused = (message: string) => new AppError('INVALID', message);

/**
 * The upstream sent the user back: checks the `state` (single use, unexpired, started by this
 * user), the issuer (RFC 9207), exchanges the code with the PKCE verifier, and stores the tokens
 * sealed: the access token as the installation's credential, the refresh token on the connection.
 * Nothing is saved when any step fails.
 */
export async function completeConnection(options: CompleteConnectionOptions): Promise<CompletedConnection> {
  const { db, keys, params } = options;
  const now = options.now ?? new Date();
  if (!params.state)
    throw refused('The server sent you back without the state Toolgate gave it; start again');
  const hash = stateHash(params.state);
  const [state] = await db.select().from(upstreamOAuthStates).where(eq(upstreamOAuthStates.stateHash, hash));
  if (!state) throw refused('This sign-in was already completed or has expired; start the connection again');
  if (state.userId !== options.userId)
    throw new AppError('FORBIDDEN', 'This sign-in was started by another user; start it yourself');
  // Single use, whatever happens next: a replayed callback finds nothing.
  const [taken] = await db
    .delete(upstreamOAuthStates)
    .where(eq(upstreamOAuthStates.stateHash, hash))
    .returning({ stateHash: upstreamOAuthStates.stateHash });
  if (!taken) throw refused('This sign-in was already completed; start the connection again');
  if (state.expiresAt.getTime() <= now.getTime()) throw refused('This sign-in took too long; start it again');
  // What allowed starting it must still hold: a member removed or demoted meanwhile finishes nothing.
  const [membership] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.tenantId, state.tenantId), eq(memberships.userId, state.userId)));
  if (!membership) throw new AppError('FORBIDDEN', 'You are no longer a member of that workspace');
  const actor = { userId: state.userId, role: membership.role };
  if (state.installationId) {
    const installation = await findVisibleInstallation(db, state.tenantId, actor, state.installationId);
    await requireInstallationManager(db, state.tenantId, actor, installation, 'reconnect this account');
  } else if (state.scope === 'org') {
    requireAdmin(actor, "connect the organization's account");
  } else if (state.scope === 'team') {
    await requireTeamMaintainer(db, state.tenantId, actor, state.teamId!, "connect the team's account");
  }
  if (params.error) {
    const why = params.error_description ? ` (${params.error_description.slice(0, 200)})` : '';
    throw refused(
      params.error === 'access_denied'
        ? `The server says access was denied${why}; nothing was connected`
        : `The server refused: ${params.error.slice(0, 60)}${why}`,
    );
  }
  if (!params.code) throw refused('The server sent you back without an authorization code');

  const [client] = await db
    .select()
    .from(upstreamOAuthClients)
    .where(
      and(eq(upstreamOAuthClients.id, state.clientId), eq(upstreamOAuthClients.tenantId, state.tenantId)),
    );
  if (!client) throw refused("Toolgate's registration at the server is gone; start again");
  const metadata = client.serverMetadata;
  // RFC 9207: a response from another issuer is a mix-up attack.
  if (params.iss !== undefined && params.iss !== client.issuer)
    throw refused(
      `The response came from ${params.iss.slice(0, 200)}, not ${client.issuer}; nothing was connected`,
    );
  if (params.iss === undefined && metadata.authorization_response_iss_parameter_supported === true)
    throw refused(`${client.issuer} did not say it issued this response; nothing was connected`);

  let tokens: UpstreamTokens;
  try {
    tokens = await requestTokens(
      String(metadata.token_endpoint),
      clientCredentials(keys, client),
      {
        grant_type: 'authorization_code',
        code: params.code,
        redirect_uri: state.redirectUri,
        code_verifier: openString(keys, state.codeVerifierSealed, verifierAad(hash)),
        resource: state.resource,
      },
      { allowPrivate: options.allowPrivate },
      state.scopes,
      now,
    );
  } catch (err) {
    if (err instanceof UpstreamTokenError)
      throw refused(`The server would not issue tokens: ${err.message.slice(0, 300)}`);
    throw err;
  }
  const stored = await storeConnection(options, state, client.id, tokens, now);
  // What the account may use, as its connecting user: failures show on the installation.
  await discoverInstallation({
    db,
    bus: options.bus,
    tenantId: state.tenantId,
    actor,
    installationId: stored.installationId,
    secretKeys: keys,
    allowPrivate: options.allowPrivate,
  }).catch(() => undefined);
  return stored;
}

type StateRow = typeof upstreamOAuthStates.$inferSelect;

async function storeConnection(
  options: CompleteConnectionOptions,
  state: StateRow,
  clientRowId: string,
  tokens: UpstreamTokens,
  now: Date,
): Promise<CompletedConnection> {
  const { db, keys } = options;
  const tenantId = state.tenantId;
  const outcome = await db.transaction(async (tx) => {
    const [entry] = await tx
      .select({ id: registryEntries.id, name: registryEntries.name })
      .from(registryEntries)
      .where(eq(registryEntries.id, state.registryEntryId));
    if (!entry) throw refused('The server was removed from the registry meanwhile');
    // The installation the account backs: the one being reconnected, else this owner's own.
    const owner =
      state.scope === 'personal'
        ? eq(installations.userId, state.userId)
        : state.scope === 'team'
          ? eq(installations.teamId, state.teamId!)
          : and(isNull(installations.userId), isNull(installations.teamId));
    const [existing] = await tx
      .select({ id: installations.id })
      .from(installations)
      .where(
        and(
          eq(installations.tenantId, tenantId),
          eq(installations.registryEntryId, entry.id),
          state.installationId
            ? eq(installations.id, state.installationId)
            : and(eq(installations.scope, state.scope), owner),
        ),
      )
      .limit(1);
    const installationId = existing?.id ?? randomUUID();
    const credentialsSealed = seal(
      keys,
      JSON.stringify({ accessToken: tokens.accessToken }),
      credentialsAad(installationId),
    );
    if (existing) {
      await tx
        .update(installations)
        .set({ credentialsSealed, status: 'pending', lastError: null })
        .where(and(eq(installations.tenantId, tenantId), eq(installations.id, installationId)));
    } else {
      await tx.insert(installations).values({
        id: installationId,
        tenantId,
        registryEntryId: entry.id,
        name: entry.name,
        scope: state.scope,
        teamId: state.scope === 'team' ? state.teamId : null,
        userId: state.scope === 'personal' ? state.userId : null,
        config: {},
        credentialsSealed,
        status: 'pending',
        createdBy: state.userId,
      });
    }
    const [current] = await tx
      .select({ id: upstreamConnections.id })
      .from(upstreamConnections)
      .where(eq(upstreamConnections.installationId, installationId));
    const connectionId = current?.id ?? randomUUID();
    const values = {
      clientId: clientRowId,
      status: 'active' as const,
      account: tokens.account ?? null,
      scopes: tokens.scopes,
      refreshTokenSealed: tokens.refreshToken
        ? seal(keys, tokens.refreshToken, refreshTokenAad(connectionId))
        : null,
      accessTokenExpiresAt: tokens.expiresAt ?? null,
      connectedBy: state.userId,
      connectedAt: now,
      lastRefreshedAt: null,
      lastError: null,
    };
    if (current)
      await tx.update(upstreamConnections).set(values).where(eq(upstreamConnections.id, connectionId));
    else
      await tx.insert(upstreamConnections).values({ id: connectionId, tenantId, installationId, ...values });
    const changes = await recordEntryChange(tx, tenantId, entry.id, 'account connected');
    return { installationId, connectionId, created: !existing, changes };
  });
  await deliverChanges(db, options.bus, outcome.changes);
  return {
    tenantSlug: await tenantSlugOf(db, tenantId),
    installationId: outcome.installationId,
    connectionId: outcome.connectionId,
    created: outcome.created,
  };
}
