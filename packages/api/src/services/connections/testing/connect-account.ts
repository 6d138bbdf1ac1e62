import { openString } from '@toolgate/core/crypto';
import { upstreamConnections } from '@toolgate/db/schema';
import { authorizeHeadless } from '@toolgate/fixtures/oauth-upstream';
import { eq } from 'drizzle-orm';
import type { Actor } from '../../../actor.ts';
import type { ApiTestEnv } from '../../../testing/api-test-env.ts';
import { completeConnection, type CallbackParams } from '../complete-connection.ts';
import { refreshTokenAad } from '../connection-urls.ts';
import { startConnection, type StartConnectionInput } from '../start-connection.ts';

/**
 * Connecting an account in a test, step by step as a user does it: Toolgate's start, consent at
 * the fixture's authorization server, the callback.
 */

/** http: Toolgate registers with DCR (a Client ID Metadata Document needs an https URL the server can fetch). */
export const PUBLIC_WEB_URL = 'http://127.0.0.1:3999';

export const connectionServices = (env: ApiTestEnv) => ({
  db: env.db.db,
  bus: env.bus,
  keys: env.secretKeys,
  allowPrivate: true,
});

/** Starts a sign-in as `actor`: the authorization URL and its state. */
export async function startSignIn(
  env: ApiTestEnv,
  tenantId: string,
  actor: Actor,
  input: StartConnectionInput,
): Promise<{ authorizationUrl: string; state: string }> {
  const { authorizationUrl } = await startConnection({
    ...connectionServices(env),
    tenantId,
    actor,
    input,
    publicWebUrl: PUBLIC_WEB_URL,
  });
  return { authorizationUrl, state: new URL(authorizationUrl).searchParams.get('state')! };
}

/** Consents at the upstream as `username`: the callback's parameters. */
export async function consent(authorizationUrl: string, username: string): Promise<CallbackParams> {
  const back = await authorizeHeadless(authorizationUrl, { username });
  return Object.fromEntries(back.searchParams);
}

/** The whole sign-in, as `actor` (a signed-in user) consenting as `username`. */
export async function connectAccount(
  env: ApiTestEnv,
  tenantId: string,
  actor: Actor & { userId: string },
  input: StartConnectionInput,
  username: string,
) {
  const { authorizationUrl } = await startSignIn(env, tenantId, actor, input);
  const params = await consent(authorizationUrl, username);
  return completeConnection({ ...connectionServices(env), userId: actor.userId, params });
}

/** A connection's row, and its refresh token opened. */
export async function connectionRow(env: ApiTestEnv, connectionId: string) {
  const [row] = await env.db.db
    .select()
    .from(upstreamConnections)
    .where(eq(upstreamConnections.id, connectionId));
  if (!row) return undefined;
  const refreshToken = row.refreshTokenSealed
    ? openString(env.secretKeys, row.refreshTokenSealed, refreshTokenAad(row.id))
    : undefined;
  return { ...row, refreshToken };
}
