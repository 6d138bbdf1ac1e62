import { auditEvents, upstreamConnections, upstreamOAuthStates } from '@toolgate/db/schema';
import { seedRegistryEntry } from '@toolgate/db/testing';
import { startOAuthUpstream, type OAuthUpstream } from '@toolgate/fixtures/oauth-upstream';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateHash } from '@toolgate/auth/upstream-client';
import {
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../../testing/api-test-env.ts';
import { completeConnection, type CompletedConnection } from './complete-connection.ts';
import { deleteConnection } from './delete-connection.ts';
import { RECONNECT_PERSONAL_REFUSED } from './reconnect-access.ts';
import {
  connectAccount,
  connectionRow,
  connectionServices,
  consent,
  startSignIn,
} from './testing/connect-account.ts';

/**
 * Reconnecting signs an account in to an existing installation. A member's personal installation
 * is reconnected by that member only: an owner or admin could otherwise put their own upstream
 * account behind the member's calls. Owners and admins keep disconnecting it, and keep
 * reconnecting the organization's.
 */
let env: ApiTestEnv;
let a: SeededOrg;
let upstream: OAuthUpstream;
let entryId: string;
let members: CompletedConnection;

beforeAll(async () => {
  [{ env, a }, upstream] = await Promise.all([createTwoTenantEnv(), startOAuthUpstream()]);
  entryId = (await seedRegistryEntry(env.db.db, a.tenant.id, { url: upstream.mcpUrl, authKind: 'oauth' })).id;
  members = await connectAccount(
    env,
    a.tenant.id,
    a.actors.member,
    { registryEntryId: entryId, scope: 'personal' },
    'member',
  );
});
afterAll(async () => {
  await env?.close();
  await upstream?.close();
});

const statesOf = (userId: string) =>
  env.db.db
    .select()
    .from(upstreamOAuthStates)
    .where(and(eq(upstreamOAuthStates.tenantId, a.tenant.id), eq(upstreamOAuthStates.userId, userId)));

const lastRow = async (method: string) =>
  (
    await env.db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, a.tenant.id), eq(auditEvents.method, method)))
  )
    .sort((x, y) => x.occurredAt.getTime() - y.occurredAt.getTime())
    .at(-1);

describe("reconnecting a member's personal account", () => {
  it.each(['owner', 'admin'] as const)(
    'refuses the %s: 403, nothing started, the refusal in the audit log',
    async (who) => {
      const err = await failureOf(() =>
        startSignIn(env, a.tenant.id, a.actors[who], {
          registryEntryId: entryId,
          scope: 'personal',
          installationId: members.installationId,
        }),
      );
      expect(err).toMatchObject({ code: 'FORBIDDEN', message: RECONNECT_PERSONAL_REFUSED });
      expect(await statesOf(a[who].id)).toEqual([]);
      expect(await lastRow('connection/start')).toMatchObject({
        status: 'denied',
        policyOutcome: 'deny:forbidden',
        principalId: `user:${a[who].id}`,
        installationId: members.installationId,
        response: { message: RECONNECT_PERSONAL_REFUSED },
      });
    },
  );

  it('refuses at the callback a sign-in naming another user’s installation, and keeps their account', async () => {
    const before = (await connectionRow(env, members.connectionId))!;
    // The admin's own sign-in, made to name the member's installation as a sign-in started before
    // this rule (or by any other way around the start) would.
    const { authorizationUrl, state } = await startSignIn(env, a.tenant.id, a.actors.admin, {
      registryEntryId: entryId,
      scope: 'personal',
    });
    await env.db.db
      .update(upstreamOAuthStates)
      .set({ installationId: members.installationId })
      .where(eq(upstreamOAuthStates.stateHash, stateHash(state)));
    const params = await consent(authorizationUrl, 'admin');
    const err = await failureOf(() =>
      completeConnection({ ...connectionServices(env), userId: a.admin.id, params }),
    );
    expect(err).toMatchObject({ code: 'FORBIDDEN', message: RECONNECT_PERSONAL_REFUSED });
    expect(await lastRow('connection/complete')).toMatchObject({
      status: 'denied',
      policyOutcome: 'deny:forbidden',
      principalId: `user:${a.admin.id}`,
      installationId: members.installationId,
    });
    const after = (await connectionRow(env, members.connectionId))!;
    expect(after).toMatchObject({
      connectedBy: a.member.id,
      connectedAt: before.connectedAt,
      refreshToken: before.refreshToken,
    });
    // No installation of the admin's was made of it either.
    expect(
      await env.db.db
        .select()
        .from(upstreamConnections)
        .where(eq(upstreamConnections.connectedBy, a.admin.id)),
    ).toEqual([]);
  });

  it('lets the member reconnect it: the same installation and connection, a new account sign-in', async () => {
    const before = (await connectionRow(env, members.connectionId))!;
    const again = await connectAccount(
      env,
      a.tenant.id,
      a.actors.member,
      { registryEntryId: entryId, scope: 'personal', installationId: members.installationId },
      'member',
    );
    expect(again).toMatchObject({
      installationId: members.installationId,
      connectionId: members.connectionId,
      created: false,
    });
    expect((await connectionRow(env, members.connectionId))!.refreshToken).not.toBe(before.refreshToken);
  });

  it("lets owners and admins reconnect the organization's account, and disconnect the member's", async () => {
    const org = await connectAccount(
      env,
      a.tenant.id,
      a.actors.admin,
      { registryEntryId: entryId, scope: 'org' },
      'service-account',
    );
    const again = await connectAccount(
      env,
      a.tenant.id,
      a.actors.owner,
      { registryEntryId: entryId, scope: 'org', installationId: org.installationId },
      'service-account',
    );
    expect(again).toMatchObject({ installationId: org.installationId, created: false });

    const removed = await deleteConnection({
      ...connectionServices(env),
      tenantId: a.tenant.id,
      actor: a.actors.admin,
      connectionId: members.connectionId,
    });
    expect(removed).toEqual({ id: members.connectionId, revokedAtServer: true });
    expect(await connectionRow(env, members.connectionId)).toBeUndefined();
  });
});
