import {
  discoverUpstreamAuthorization,
  ensureUpstreamClient,
  newAuthorizationSecrets,
  stateHash,
} from '@toolgate/auth/upstream-client';
import { seal, type KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { upstreamOAuthStates } from '@toolgate/db/schema';
import { requireAdmin, type Actor } from '../../actor.ts';
import {
  findUsableEntry,
  findVisibleInstallation,
  requireInstallationManager,
} from '../../installation-access.ts';
import { requireTeamMaintainer } from '../../team-access.ts';
import { requireTeams } from '../../tenant-refs.ts';
import { connectionUrls, STATE_TTL_MS, verifierAad, type ConnectionUrls } from './connection-urls.ts';

export interface StartConnectionInput {
  registryEntryId: string;
  /** Whose account it is: the caller's own, a team's or the organization's (a shared service account). */
  scope: 'personal' | 'team' | 'org';
  teamId?: string;
  /** Reconnect this installation (its credential is replaced) rather than creating one. */
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
 * (completeConnection) stores the tokens.
 */
export async function startConnection(
  options: StartConnectionOptions,
): Promise<{ authorizationUrl: string; expiresAt: string }> {
  const { db, tenantId, actor, input } = options;
  if (!actor.userId)
    throw new AppError(
      'FORBIDDEN',
      'Connecting an account needs a signed-in user, who consents at the server',
    );
  const entry = await findUsableEntry(db, tenantId, input.registryEntryId);
  if (entry.authKind !== 'oauth' || !entry.url)
    throw new AppError('INVALID', `${entry.name} does not use OAuth: it has no account to connect`);
  let scope = input.scope;
  let teamId = input.teamId ?? null;
  if (input.installationId) {
    const installation = await findVisibleInstallation(db, tenantId, actor, input.installationId);
    if (installation.registryEntryId !== entry.id)
      throw new AppError('INVALID', 'That installation is of another server');
    await requireInstallationManager(db, tenantId, actor, installation, 'reconnect this account');
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
  const now = options.now ?? new Date();
  const expiresAt = new Date(now.getTime() + STATE_TTL_MS);
  const hash = stateHash(secrets.state);
  await db.insert(upstreamOAuthStates).values({
    stateHash: hash,
    tenantId,
    userId: actor.userId,
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
  const url = new URL(found.server.authorizationEndpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', urls.callback);
  url.searchParams.set('state', secrets.state);
  url.searchParams.set('code_challenge', secrets.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('resource', found.resource);
  if (found.scopes.length > 0) url.searchParams.set('scope', found.scopes.join(' '));
  return { authorizationUrl: url.href, expiresAt: expiresAt.toISOString() };
}
