import {
  clientCredentials,
  requestTokens,
  stateHash,
  UpstreamTokenError,
  type UpstreamTokens,
} from '@toolgate/auth/upstream-client';
import type { Bus } from '@toolgate/bus';
import { openString, type KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { PlansConfig } from '@toolgate/core/plans';
import type { Database } from '@toolgate/db/client';
import { memberships, upstreamOAuthClients, upstreamOAuthStates } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import { requireAdmin } from '../../actor.ts';
import { findVisibleInstallation } from '../../installation-access.ts';
import { UUID_PATTERN } from '../../schemas/common.ts';
import { requireTeamMaintainer } from '../../team-access.ts';
import { discoverInstallation } from '../discover-installation.ts';
import {
  CONNECTION_METHODS,
  failureOf,
  recordConnectionEvent,
  recordConnectionFailure,
  userPrincipal,
  withReason,
} from './connection-audit.ts';
import { verifierAad } from './connection-urls.ts';
import { requireReconnectable } from './reconnect-access.ts';
import { storeConnection, type CompletedConnection, type RecordCompleted } from './store-connection.ts';
import { otherAudience, otherAudienceMessage } from './token-audience.ts';

export type { CompletedConnection } from './store-connection.ts';

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
  /** The deployment's plans: a sign-in that would add an installation over the limit is refused. */
  plans?: PlansConfig;
  now?: Date;
}

const refused = (message: string) => new AppError('INVALID', message);

/** What the audit row of a callback can say, learnt on the way. */
interface Seen {
  /** The workspace whose sign-in this was; none known, no row (there is no log to write it to). */
  tenantId: string | null;
  installationId: string | null;
  request: Record<string, unknown>;
}

/**
 * The upstream sent the user back: checks the `state` (single use, unexpired, started by this
 * user), the issuer (RFC 9207), exchanges the code with the PKCE verifier, checks the audience of
 * a JWT access token covers the resource asked for (RFC 8707), and stores the tokens sealed: the
 * access token as the installation's credential, the refresh token on the connection.
 * Nothing is saved when any step fails. Every outcome is recorded in the workspace's audit log
 * (`connection/complete`), the success with the saved connection.
 */
export async function completeConnection(options: CompleteConnectionOptions): Promise<CompletedConnection> {
  const { params } = options;
  const startedAt = performance.now();
  const seen: Seen = {
    tenantId: null,
    installationId: null,
    request: {
      ...(params.error !== undefined ? { error: params.error.slice(0, 60) } : {}),
      ...(params.iss !== undefined ? { iss: params.iss.slice(0, 200) } : {}),
    },
  };
  const event = () => ({
    method: CONNECTION_METHODS.complete,
    principalId: userPrincipal(options.userId),
    installationId: seen.installationId,
    request: seen.request,
    startedAt,
    secrets: [params.code, params.state],
  });
  try {
    return await complete(options, seen, (tx, done, account) =>
      recordConnectionEvent(tx, {
        ...event(),
        tenantId: done.tenantId,
        status: 'ok',
        installationId: done.installationId,
        response: {
          connectionId: done.connectionId,
          created: done.created,
          ...(account ? { account } : {}),
        },
      }),
    );
  } catch (err) {
    if (seen.tenantId)
      await recordConnectionFailure(options.db, {
        ...event(),
        tenantId: seen.tenantId,
        ...failureOf(err, 'token_failed'),
      });
    throw err;
  }
}

async function complete(
  options: CompleteConnectionOptions,
  seen: Seen,
  recordCompleted: RecordCompleted,
): Promise<CompletedConnection> {
  const { db, keys, params } = options;
  const now = options.now ?? new Date();
  if (!params.state)
    throw withReason(
      refused('The server sent you back without the state Toolgate gave it; start again'),
      'state_unknown',
    );
  const hash = stateHash(params.state);
  const [state] = await db.select().from(upstreamOAuthStates).where(eq(upstreamOAuthStates.stateHash, hash));
  if (!state) {
    seen.tenantId = await tenantNamedBy(db, params.state, options.userId);
    throw withReason(
      refused('This sign-in was already completed or has expired; start the connection again'),
      'state_unknown',
    );
  }
  seen.tenantId = state.tenantId;
  seen.installationId = state.installationId;
  Object.assign(seen.request, { registryEntryId: state.registryEntryId, scope: state.scope });
  if (state.userId !== options.userId) {
    seen.request.startedBy = userPrincipal(state.userId);
    throw withReason(
      new AppError('FORBIDDEN', 'This sign-in was started by another user; start it yourself'),
      'wrong_user',
    );
  }
  // Single use, whatever happens next: a replayed callback finds nothing.
  const [taken] = await db
    .delete(upstreamOAuthStates)
    .where(eq(upstreamOAuthStates.stateHash, hash))
    .returning({ stateHash: upstreamOAuthStates.stateHash });
  if (!taken)
    throw withReason(
      refused('This sign-in was already completed; start the connection again'),
      'state_unknown',
    );
  if (state.expiresAt.getTime() <= now.getTime())
    throw withReason(refused('This sign-in took too long; start it again'), 'state_expired');
  // What allowed starting it must still hold: a member removed or demoted meanwhile finishes nothing.
  const [membership] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.tenantId, state.tenantId), eq(memberships.userId, state.userId)));
  if (!membership)
    throw withReason(new AppError('FORBIDDEN', 'You are no longer a member of that workspace'), 'not_member');
  const actor = { userId: state.userId, role: membership.role };
  if (state.installationId) {
    const installation = await findVisibleInstallation(db, state.tenantId, actor, state.installationId);
    await requireReconnectable(db, state.tenantId, actor, installation);
  } else if (state.scope === 'org') {
    requireAdmin(actor, "connect the organization's account");
  } else if (state.scope === 'team') {
    await requireTeamMaintainer(db, state.tenantId, actor, state.teamId!, "connect the team's account");
  }
  if (params.error) {
    const why = params.error_description ? ` (${params.error_description.slice(0, 200)})` : '';
    if (params.error === 'access_denied')
      throw withReason(
        refused(`The server says access was denied${why}; nothing was connected`),
        'upstream_refused',
      );
    throw withReason(
      refused(`The server refused: ${params.error.slice(0, 60)}${why}`),
      'upstream_error',
      'error',
    );
  }
  if (!params.code)
    throw withReason(refused('The server sent you back without an authorization code'), 'no_code', 'error');

  const [client] = await db
    .select()
    .from(upstreamOAuthClients)
    .where(
      and(eq(upstreamOAuthClients.id, state.clientId), eq(upstreamOAuthClients.tenantId, state.tenantId)),
    );
  if (!client)
    throw withReason(
      refused("Toolgate's registration at the server is gone; start again"),
      'client_gone',
      'error',
    );
  const metadata = client.serverMetadata;
  // RFC 9207: a response from another issuer is a mix-up attack.
  if (params.iss !== undefined && params.iss !== client.issuer)
    throw withReason(
      refused(
        `The response came from ${params.iss.slice(0, 200)}, not ${client.issuer}; nothing was connected`,
      ),
      'wrong_issuer',
    );
  if (params.iss === undefined && metadata.authorization_response_iss_parameter_supported === true)
    throw withReason(
      refused(`${client.issuer} did not say it issued this response; nothing was connected`),
      'wrong_issuer',
    );

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
    if (err instanceof UpstreamTokenError) {
      const error = refused(`The server would not issue tokens: ${err.message.slice(0, 300)}`);
      // RFC 8707 §2: invalid_target is the server refusing the resource (another audience).
      if (err.error === 'invalid_target') throw withReason(error, 'wrong_resource');
      throw err.status >= 400 && err.status < 500
        ? withReason(error, 'token_refused')
        : withReason(error, 'token_failed', 'error');
    }
    throw err;
  }
  // RFC 8707: a JWT access token must be for the resource asked for. An opaque token says no
  // audience and cannot be checked here (only the resource server, or introspection, knows it).
  const audiences = otherAudience(tokens.accessToken, state.resource);
  if (audiences)
    throw withReason(
      refused(`${otherAudienceMessage(audiences, state.resource)}; nothing was connected`),
      'wrong_audience',
    );
  const stored = await storeConnection(options, state, client.id, tokens, now, recordCompleted);
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

/**
 * The workspace a state names (see startConnection), if the user is a member of it: a callback
 * matching no sign-in is recorded there, and never in a workspace the user does not belong to.
 */
async function tenantNamedBy(db: Database, state: string, userId: string): Promise<string | null> {
  const named = state.slice(0, Math.max(0, state.indexOf('.')));
  if (!UUID_PATTERN.test(named)) return null;
  const [member] = await db
    .select({ tenantId: memberships.tenantId })
    .from(memberships)
    .where(and(eq(memberships.tenantId, named.toLowerCase()), eq(memberships.userId, userId)));
  return member?.tenantId ?? null;
}
