import {
  discoverUpstreamAuthorization,
  ensureUpstreamClient,
  newAuthorizationSecrets,
  stateHash,
} from '@toolgate/auth/upstream-client';
import { seal, type KeyRing } from '@toolgate/core/crypto';
import { AppError, isAppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import type { Executor } from '@toolgate/db/config-outbox';
import { upstreamOAuthStates } from '@toolgate/db/schema';
import { requireAdmin, type Actor } from '../../actor.ts';
import { findUsableEntry, findVisibleInstallation } from '../../installation-access.ts';
import { requireTeamMaintainer } from '../../team-access.ts';
import { requireTeams } from '../../tenant-refs.ts';
import {
  actorPrincipal,
  CONNECTION_METHODS,
  failureOf,
  recordConnectionEvent,
  recordConnectionFailure,
} from './connection-audit.ts';
import { connectionUrls, STATE_TTL_MS, verifierAad, type ConnectionUrls } from './connection-urls.ts';
import { requireReconnectable } from './reconnect-access.ts';

export interface StartConnectionInput {
  registryEntryId: string;
  /** Whose account it is: the caller's own, a team's or the organization's (a shared service account). */
  scope: 'personal' | 'team' | 'org';
  teamId?: string;
  /**
   * Reconnect this installation (its credential is replaced) rather than creating one. A personal
   * installation is reconnected by its user only.
   */
  installationId?: string;
}

export interface StartConnectionOptions {
  db: Database;
  /** The secret key ring: seals the PKCE verifier and client secrets. */
  keys: KeyRing;
  tenantId: string;
  actor: Actor;
  input: StartConnectionInput;
  /** PUBLIC_WEB_URL: the callback and Client ID Metadata Document live there. */
  publicWebUrl: string;
  allowPrivate: boolean;
  now?: Date;
}

/**
 * "Connect your account": discovers the server's authorization server, makes sure Toolgate is
 * registered there, and returns the authorization URL (code flow, PKCE S256, `resource`, a
 * `state` bound to the user who started it). The user consents at the upstream; the callback
 * (completeConnection) stores the tokens. Recorded in the audit log (`connection/start`), refusals
 * too (not an id the tenant does not have: nothing of the tenant was touched).
 */
export async function startConnection(
  options: StartConnectionOptions,
): Promise<{ authorizationUrl: string; expiresAt: string }> {
  const { db, tenantId, actor, input } = options;
  const startedAt = performance.now();
  const seen: Seen = { installationId: null };
  const event = () => ({
    tenantId,
    method: CONNECTION_METHODS.start,
    ...actorPrincipal(actor),
    installationId: seen.installationId,
    request: {
      registryEntryId: input.registryEntryId,
      scope: input.scope,
      ...(input.teamId ? { teamId: input.teamId } : {}),
      ...(input.installationId ? { installationId: input.installationId } : {}),
    },
    startedAt,
  });
  try {
    return await start(options, seen, (record) =>
      recordConnectionEvent(record, {
        ...event(),
        status: 'ok',
        response: { issuer: seen.issuer, expiresAt: seen.expiresAt },
      }),
    );
  } catch (err) {
    if (!isAppError(err) || err.code !== 'NOT_FOUND')
      await recordConnectionFailure(db, { ...event(), ...failureOf(err, 'discovery_failed') });
    throw err;
  }
}

/** What the audit row can say of a start, learnt on the way. */
interface Seen {
  /** The installation being reconnected, once found in the tenant. */
  installationId: string | null;
  issuer?: string;
  expiresAt?: string;
}

async function start(
  options: StartConnectionOptions,
  seen: Seen,
  recordStarted: (tx: Executor) => Promise<void>,
): Promise<{ authorizationUrl: string; expiresAt: string }> {
  const { db, tenantId, actor, input } = options;
  if (!actor.userId)
    throw new AppError(
      'FORBIDDEN',
      'Connecting an account needs a signed-in user, who consents at the server',
    );
  const userId = actor.userId;
  const entry = await findUsableEntry(db, tenantId, input.registryEntryId);
  if (entry.authKind !== 'oauth' || !entry.url)
    throw new AppError('INVALID', `${entry.name} does not use OAuth: it has no account to connect`);
  let scope = input.scope;
  let teamId = input.teamId ?? null;
  if (input.installationId) {
    const installation = await findVisibleInstallation(db, tenantId, actor, input.installationId);
    seen.installationId = installation.id;
    if (installation.registryEntryId !== entry.id)
      throw new AppError('INVALID', 'That installation is of another server');
    await requireReconnectable(db, tenantId, actor, installation);
    scope = installation.scope;
    teamId = installation.teamId;
  } else if (scope === 'org') {
    requireAdmin(actor, "connect the organization's account");
  } else if (scope === 'team') {
    if (!teamId) throw new AppError('INVALID', 'Choose the team whose account this is');
    await requireTeams(db, tenantId, [teamId]);
    await requireTeamMaintainer(db, tenantId, actor, teamId, "connect the team's account");
  }

  const urls: ConnectionUrls = connectionUrls(options.publicWebUrl);
  const http = { allowPrivate: options.allowPrivate };
  const found = await discoverUpstreamAuthorization(entry.url, http, {
    ...(entry.authConfig.authorizationServer ? { issuer: entry.authConfig.authorizationServer } : {}),
    ...(entry.authConfig.scopes?.length ? { scopes: entry.authConfig.scopes } : {}),
  });
  seen.issuer = found.server.issuer;
  const client = await ensureUpstreamClient({
    db,
    keys: options.keys,
    tenantId,
    registryEntryId: entry.id,
    server: found.server,
    redirectUri: urls.callback,
    cimdUrl: urls.clientMetadata,
    http,
  });

  const secrets = newAuthorizationSecrets();
  // The workspace travels in the state (before the random part), so a callback whose state matches
  // nothing (replayed, forged) can still be recorded in the audit log of the workspace it names.
  const state = `${tenantId}.${secrets.state}`;
  const now = options.now ?? new Date();
  const expiresAt = new Date(now.getTime() + STATE_TTL_MS);
  seen.expiresAt = expiresAt.toISOString();
  const hash = stateHash(state);
  await db.transaction(async (tx) => {
    await tx.insert(upstreamOAuthStates).values({
      stateHash: hash,
      tenantId,
      userId,
      clientId: client.id,
      registryEntryId: entry.id,
      scope,
      teamId: scope === 'team' ? teamId : null,
      installationId: input.installationId ?? null,
      codeVerifierSealed: seal(options.keys, secrets.verifier, verifierAad(hash)),
      redirectUri: urls.callback,
      resource: found.resource,
      scopes: found.scopes,
      expiresAt,
    });
    await recordStarted(tx);
  });
  const url = new URL(found.server.authorizationEndpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', urls.callback);
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', secrets.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('resource', found.resource);
  if (found.scopes.length > 0) url.searchParams.set('scope', found.scopes.join(' '));
  return { authorizationUrl: url.href, expiresAt: expiresAt.toISOString() };
}
