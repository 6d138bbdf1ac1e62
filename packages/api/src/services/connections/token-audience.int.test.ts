import { auditEvents, installations, upstreamConnections, upstreamOAuthStates } from '@toolgate/db/schema';
import { seedRegistryEntry } from '@toolgate/db/testing';
import { startOAuthUpstream, type OAuthUpstream } from '@toolgate/fixtures/oauth-upstream';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../../testing/api-test-env.ts';
import { completeConnection } from './complete-connection.ts';
import { refreshConnection } from './refresh-connection.ts';
import {
  connectAccount,
  connectionRow,
  connectionServices,
  consent,
  startSignIn,
} from './testing/connect-account.ts';

/**
 * An authorization server that issues a token for another audience than the resource Toolgate
 * asked for (RFC 8707): the callback says so and saves nothing, a refresh marks the account to
 * reconnect rather than store the token, and both are recorded as `wrong_audience`.
 */
const ELSEWHERE = 'https://elsewhere.example.test/mcp';

let env: ApiTestEnv;
let a: SeededOrg;
/** Issues every token for ELSEWHERE. */
let misissuing: OAuthUpstream;
/** Issues tokens for the resource asked for, until a test says otherwise. */
let upstream: OAuthUpstream;
let misissuingEntryId: string;
let entryId: string;

beforeAll(async () => {
  [{ env, a }, misissuing, upstream] = await Promise.all([
    createTwoTenantEnv(),
    startOAuthUpstream({ issueAudience: ELSEWHERE }),
    startOAuthUpstream(),
  ]);
  misissuingEntryId = (
    await seedRegistryEntry(env.db.db, a.tenant.id, { url: misissuing.mcpUrl, authKind: 'oauth' })
  ).id;
  entryId = (await seedRegistryEntry(env.db.db, a.tenant.id, { url: upstream.mcpUrl, authKind: 'oauth' })).id;
});
afterAll(async () => {
  await env?.close();
  await misissuing?.close();
  await upstream?.close();
});

const rowsOf = (method: string) =>
  env.db.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.tenantId, a.tenant.id), eq(auditEvents.method, method)));

describe('tokens issued for another audience', () => {
  it('refuses them at the callback, naming the audience, saving nothing, recorded as wrong_audience', async () => {
    const { authorizationUrl, state } = await startSignIn(env, a.tenant.id, a.actors.member, {
      registryEntryId: misissuingEntryId,
      scope: 'personal',
    });
    const params = await consent(authorizationUrl, 'member');
    const err = await failureOf(() =>
      completeConnection({ ...connectionServices(env), userId: a.member.id, params }),
    );
    const message = `The server issued a token for ${ELSEWHERE}, not for ${misissuing.mcpUrl}; nothing was connected`;
    expect(err).toMatchObject({ code: 'INVALID', message });

    expect(await env.db.db.select().from(upstreamConnections)).toEqual([]);
    expect(await env.db.db.select().from(installations).where(eq(installations.userId, a.member.id))).toEqual(
      [],
    );
    expect(await env.db.db.select().from(upstreamOAuthStates)).toEqual([]);
    const [row, ...more] = await rowsOf('connection/complete');
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      status: 'denied',
      policyOutcome: 'deny:wrong_audience',
      principalId: `user:${a.member.id}`,
      request: { registryEntryId: misissuingEntryId, scope: 'personal' },
      response: { message },
    });
    const dump = JSON.stringify(row);
    expect(dump).not.toContain(state);
    expect(dump).not.toContain(params.code);
    expect(dump).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });

  it("accepts a token for the resource's origin, which covers the resource's path", async () => {
    upstream.setIssueAudience(new URL(upstream.mcpUrl).origin);
    try {
      const done = await connectAccount(
        env,
        a.tenant.id,
        a.actors.otherMember,
        { registryEntryId: entryId, scope: 'personal' },
        'otherMember',
      );
      expect(await connectionRow(env, done.connectionId)).toMatchObject({
        status: 'active',
        resource: upstream.mcpUrl,
      });
    } finally {
      upstream.setIssueAudience(undefined);
    }
  });

  it('does not store a refreshed token for another audience: the account needs reconnecting, recorded', async () => {
    const done = await connectAccount(
      env,
      a.tenant.id,
      a.actors.admin,
      { registryEntryId: entryId, scope: 'personal' },
      'admin',
    );
    const [before] = await env.db.db
      .select()
      .from(installations)
      .where(eq(installations.id, done.installationId));
    // A routine refresh, with the audience asked for, is stored.
    expect(
      await refreshConnection({
        ...connectionServices(env),
        tenantId: a.tenant.id,
        connectionId: done.connectionId,
      }),
    ).toMatchObject({ kind: 'refreshed' });
    const [refreshed] = await env.db.db
      .select()
      .from(installations)
      .where(eq(installations.id, done.installationId));
    expect(refreshed!.credentialsSealed).not.toBe(before!.credentialsSealed);

    upstream.setIssueAudience(ELSEWHERE);
    try {
      const reason = `The server issued a token for ${ELSEWHERE}, not for ${upstream.mcpUrl}; connect the account again`;
      expect(
        await refreshConnection({
          ...connectionServices(env),
          tenantId: a.tenant.id,
          connectionId: done.connectionId,
        }),
      ).toEqual({ kind: 'needs_reconnect', reason });
      const [after] = await env.db.db
        .select()
        .from(installations)
        .where(eq(installations.id, done.installationId));
      expect(after!.credentialsSealed).toBe(refreshed!.credentialsSealed);
      expect(await connectionRow(env, done.connectionId)).toMatchObject({
        status: 'needs_reconnect',
        lastError: reason,
      });
      const rows = await rowsOf('connection/refresh');
      expect(rows).toEqual([
        expect.objectContaining({
          status: 'denied',
          policyOutcome: 'deny:wrong_audience',
          principalId: `user:${a.admin.id}`,
          installationId: done.installationId,
          request: { connectionId: done.connectionId, trigger: 'on_demand' },
          response: { message: reason, connectionStatus: 'needs_reconnect' },
        }),
      ]);
      expect(JSON.stringify(rows)).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
    } finally {
      upstream.setIssueAudience(undefined);
    }
  });
});
