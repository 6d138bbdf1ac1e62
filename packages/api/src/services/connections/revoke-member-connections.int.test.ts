import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  clientCredentials,
  requestTokens,
  UpstreamTokenError,
  type UpstreamClientRow,
} from '@toolgate/auth/upstream-client';
import { openString } from '@toolgate/core/crypto';
import { auditEvents, installations, memberships, upstreamOAuthClients } from '@toolgate/db/schema';
import { seedMember, seedRegistryEntry } from '@toolgate/db/testing';
import { startOAuthUpstream, type OAuthUpstream } from '@toolgate/fixtures/oauth-upstream';
import { eventually } from '@toolgate/fixtures/test-kit';
import { credentialsAad } from '@toolgate/mcp/upstream-target';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../../testing/api-test-env.ts';
import { leaveWorkspace } from '../leave-workspace.ts';
import { removeMember } from '../remove-member.ts';
import { refreshConnection } from './refresh-connection.ts';
import { connectAccount, connectionRow, connectionServices } from './testing/connect-account.ts';

/**
 * A member removed from the workspace (or leaving it) takes their personal connected accounts
 * with them: Toolgate forgets the tokens and, once the removal committed, revokes them at the
 * server (RFC 7009), recording each as `connection/delete` (trigger `member_removed`). The
 * removal neither waits for the server nor fails because of it.
 */
let env: ApiTestEnv;
let a: SeededOrg;
let upstream: OAuthUpstream;
let entryId: string;

beforeAll(async () => {
  [{ env, a }, upstream] = await Promise.all([createTwoTenantEnv(), startOAuthUpstream()]);
  entryId = (await seedRegistryEntry(env.db.db, a.tenant.id, { url: upstream.mcpUrl, authKind: 'oauth' })).id;
});
afterAll(async () => {
  await env?.close();
  await upstream?.close();
});

/** A new member of the workspace with their own account connected at `entry`. */
async function memberWithAccount(username: string, entry = entryId) {
  const user = await seedMember(env.db.db, a.tenant.id);
  const actor = { userId: user.id, role: 'member' as const };
  const done = await connectAccount(
    env,
    a.tenant.id,
    actor,
    { registryEntryId: entry, scope: 'personal' },
    username,
  );
  const row = (await connectionRow(env, done.connectionId))!;
  const [installation] = await env.db.db
    .select()
    .from(installations)
    .where(eq(installations.id, done.installationId));
  const { accessToken } = JSON.parse(
    openString(env.secretKeys, installation!.credentialsSealed!, credentialsAad(done.installationId)),
  ) as { accessToken: string };
  return { user, actor, done, refreshToken: row.refreshToken!, accessToken, clientId: row.clientId };
}

const clientRow = async (id: string): Promise<UpstreamClientRow> =>
  (await env.db.db.select().from(upstreamOAuthClients).where(eq(upstreamOAuthClients.id, id)))[0]!;

/** The `connection/delete` rows about one connection. */
const deleteRowsOf = (connectionId: string) =>
  env.db.db
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.tenantId, a.tenant.id),
        eq(auditEvents.method, 'connection/delete'),
        sql`${auditEvents.request}->>'connectionId' = ${connectionId}`,
      ),
    );

const removalServices = () => ({ db: env.db.db, bus: env.bus, tenantId: a.tenant.id });

describe("a member's connected accounts when they leave the workspace", () => {
  it('revokes the removed member’s tokens at the server and records it, leaving others’ accounts alone', async () => {
    const leaving = await memberWithAccount('leaving');
    const staying = await memberWithAccount('staying');
    await removeMember({
      ...removalServices(),
      actor: a.actors.admin,
      input: { userId: leaving.user.id },
      keys: env.secretKeys,
      allowPrivate: true,
    });

    await eventually(async () =>
      expect(await deleteRowsOf(leaving.done.connectionId)).toEqual([
        expect.objectContaining({
          status: 'ok',
          policyOutcome: 'allow',
          principalId: `user:${a.admin.id}`,
          installationId: leaving.done.installationId,
          request: {
            connectionId: leaving.done.connectionId,
            trigger: 'member_removed',
            member: `user:${leaving.user.id}`,
          },
          response: expect.objectContaining({
            revokedAtServer: true,
            revocation: 'revoked',
            installationRemoved: true,
          }) as unknown,
        }),
      ]),
    );
    // The server's token endpoint refuses the refresh token, its MCP server the access token.
    const refused = await requestTokens(
      upstream.tokenEndpoint,
      clientCredentials(env.secretKeys, await clientRow(leaving.clientId)),
      { grant_type: 'refresh_token', refresh_token: leaving.refreshToken },
      { allowPrivate: true },
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(UpstreamTokenError);
    expect(refused).toMatchObject({ error: 'invalid_grant' });
    const rejectedBefore = upstream.seen.rejected.length;
    const call = await fetch(upstream.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${leaving.accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(call.status).toBe(401);
    expect(upstream.seen.rejected.slice(rejectedBefore)).toEqual([
      expect.objectContaining({ status: 401, description: 'the access token was revoked' }),
    ]);

    // The member who stays keeps a working account, and no row was written about it.
    expect(
      await refreshConnection({
        ...connectionServices(env),
        tenantId: a.tenant.id,
        connectionId: staying.done.connectionId,
      }),
    ).toMatchObject({ kind: 'refreshed' });
    expect(await deleteRowsOf(staying.done.connectionId)).toEqual([]);
  });

  it('does not wait for the server when a member leaves, and records what it answered', async () => {
    // Another server entry (its own client registration), whose revocation endpoint holds requests.
    const entry = await seedRegistryEntry(env.db.db, a.tenant.id, {
      url: upstream.mcpUrl,
      authKind: 'oauth',
    });
    const leaving = await memberWithAccount('leaving-slowly', entry.id);
    const holding = await holdingServer();
    try {
      const client = await clientRow(leaving.clientId);
      await env.db.db
        .update(upstreamOAuthClients)
        .set({ serverMetadata: { ...client.serverMetadata, revocation_endpoint: holding.url } })
        .where(eq(upstreamOAuthClients.id, client.id));

      await leaveWorkspace({
        ...removalServices(),
        actor: leaving.actor,
        keys: env.secretKeys,
        allowPrivate: true,
      });
      // Left, with the server still holding the revocation: nothing of it was awaited.
      expect(
        await env.db.db.select().from(memberships).where(eq(memberships.userId, leaving.user.id)),
      ).toEqual([]);
      await eventually(() => expect(holding.held.length).toBe(1));
      expect(holding.held[0]).toContain('token_type_hint=refresh_token');
      expect(await deleteRowsOf(leaving.done.connectionId)).toEqual([]);

      holding.answer(503);
      await eventually(async () =>
        expect(await deleteRowsOf(leaving.done.connectionId)).toEqual([
          expect.objectContaining({
            status: 'ok',
            principalId: `user:${leaving.user.id}`,
            request: expect.objectContaining({ trigger: 'member_removed' }) as unknown,
            response: expect.objectContaining({ revokedAtServer: false, revocation: 'refused' }) as unknown,
          }),
        ]),
      );
    } finally {
      await holding.close();
    }
  });

  it('forgets the accounts, and says the revocation was skipped, where no key ring is configured', async () => {
    const leaving = await memberWithAccount('leaving-without-keys');
    await removeMember({ ...removalServices(), actor: a.actors.owner, input: { userId: leaving.user.id } });
    expect(await connectionRow(env, leaving.done.connectionId)).toBeUndefined();
    await eventually(async () =>
      expect(await deleteRowsOf(leaving.done.connectionId)).toEqual([
        expect.objectContaining({
          principalId: `user:${a.owner.id}`,
          response: expect.objectContaining({ revokedAtServer: false, revocation: 'skipped' }) as unknown,
        }),
      ]),
    );
  });
});

/** A revocation endpoint that holds every request until told how to answer. */
async function holdingServer() {
  const held: string[] = [];
  const waiting: ServerResponse[] = [];
  let status: number | undefined;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      held.push(body);
      if (status === undefined) waiting.push(res);
      else res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/revoke`,
    /** Bodies of the requests received, in order. */
    held,
    answer(code: number) {
      status = code;
      for (const res of waiting.splice(0)) res.writeHead(code).end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
