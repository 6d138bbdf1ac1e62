import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openString } from '@toolgate/core/crypto';
import { auditEvents, installations, upstreamConnections, usageRollups } from '@toolgate/db/schema';
import { seedRegistryEntry } from '@toolgate/db/testing';
import { authorizeHeadless, startOAuthUpstream, type OAuthUpstream } from '@toolgate/fixtures/oauth-upstream';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../actor.ts';
import { createTwoTenantEnv, type ApiTestEnv, type SeededOrg } from '../../testing/api-test-env.ts';
import { getAuditEvent } from '../get-audit-event.ts';
import { listAuditEvents } from '../list-audit-events.ts';
import { completeConnection, type CallbackParams } from './complete-connection.ts';
import { refreshTokenAad } from './connection-urls.ts';
import { deleteConnection } from './delete-connection.ts';
import { refreshConnection } from './refresh-connection.ts';
import { refreshDueConnections } from './refresh-due-connections.ts';
import { startConnection } from './start-connection.ts';

/**
 * Every outcome of connecting an account lands in the workspace's audit log: a row per start,
 * callback, refresh that ends in "reconnect needed", and disconnect, with who, which server, the
 * reason of a refusal and the message shown; never a code, state or token.
 */
let env: ApiTestEnv;
let upstream: OAuthUpstream;
let a: SeededOrg;
let b: SeededOrg;
let entryId: string;
/** Every code, state and token seen in this file: none may reach an audit row. */
const secrets = new Set<string>();

// http: Toolgate registers with DCR (a Client ID Metadata Document needs an https URL the server can fetch).
const PUBLIC_WEB_URL = 'http://127.0.0.1:3999';

beforeAll(async () => {
  [{ env, a, b }, upstream] = await Promise.all([createTwoTenantEnv(), startOAuthUpstream()]);
  entryId = (await seedRegistryEntry(env.db.db, a.tenant.id, { url: upstream.mcpUrl, authKind: 'oauth' })).id;
});
afterAll(async () => {
  await env?.close();
  await upstream?.close();
});

const services = () => ({ db: env.db.db, bus: env.bus, keys: env.secretKeys, allowPrivate: true });

async function start(actor: Actor, input: Partial<Parameters<typeof startConnection>[0]['input']> = {}) {
  const { authorizationUrl } = await startConnection({
    ...services(),
    tenantId: a.tenant.id,
    actor,
    input: { registryEntryId: entryId, scope: 'personal', ...input },
    publicWebUrl: PUBLIC_WEB_URL,
  });
  const state = new URL(authorizationUrl).searchParams.get('state')!;
  secrets.add(state);
  return { authorizationUrl, state };
}

/** Consents at the upstream as `username`; the callback's parameters. */
async function consent(authorizationUrl: string, username: string, approve = true): Promise<CallbackParams> {
  const back = await authorizeHeadless(authorizationUrl, { username, approve });
  const params = Object.fromEntries(back.searchParams) as CallbackParams;
  if (params.code) secrets.add(params.code);
  return params;
}

const complete = (userId: string, params: CallbackParams) =>
  completeConnection({ ...services(), userId, params });

async function connect(who: 'member' | 'otherMember' | 'admin', input: { scope?: 'personal' | 'org' } = {}) {
  const user = a[who];
  const { authorizationUrl } = await start(a.actors[who], input);
  const params = await consent(authorizationUrl, who);
  return { params, done: await complete(user.id, params) };
}

/** The audit rows of a tenant with this method, oldest first. */
async function rows(tenantId: string, method: string) {
  return (
    await env.db.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.method, method)))
  ).sort((x, y) => x.occurredAt.getTime() - y.occurredAt.getTime());
}

/** The one new row of a tenant and method since `before` rows. */
async function onlyNewRow(tenantId: string, method: string, before: number) {
  const now = await rows(tenantId, method);
  expect(now).toHaveLength(before + 1);
  return now.at(-1)!;
}

const count = async (tenantId: string, method: string) => (await rows(tenantId, method)).length;

async function connectionOf(userId: string) {
  const [row] = await env.db.db
    .select()
    .from(upstreamConnections)
    .where(eq(upstreamConnections.connectedBy, userId));
  return row!;
}

async function refreshTokenOf(connectionId: string): Promise<string> {
  const [row] = await env.db.db
    .select()
    .from(upstreamConnections)
    .where(eq(upstreamConnections.id, connectionId));
  const token = openString(env.secretKeys, row!.refreshTokenSealed!, refreshTokenAad(connectionId));
  secrets.add(token);
  return token;
}

describe('the audit log of connected accounts', () => {
  it('records a start and a completed connection: ok, the user, the installation, the workspace', async () => {
    const startsBefore = await count(a.tenant.id, 'connection/start');
    const { done } = await connect('member');
    expect(await onlyNewRow(a.tenant.id, 'connection/start', startsBefore)).toMatchObject({
      status: 'ok',
      policyOutcome: 'allow',
      principalType: 'user',
      principalId: `user:${a.member.id}`,
      gatewayId: null,
      request: { registryEntryId: entryId, scope: 'personal' },
      response: { issuer: upstream.issuer },
    });
    const [completed] = await rows(a.tenant.id, 'connection/complete');
    expect(completed).toMatchObject({
      tenantId: a.tenant.id,
      status: 'ok',
      policyOutcome: 'allow',
      principalId: `user:${a.member.id}`,
      installationId: done.installationId,
      request: { registryEntryId: entryId, scope: 'personal' },
      response: { connectionId: done.connectionId, created: true },
    });
    // As the Audit log shows it, to the member who connected: the server by name, their own row.
    const { events } = await listAuditEvents({
      db: env.db.db,
      tenantId: a.tenant.id,
      actor: a.actors.member,
      input: { method: 'connection/complete' },
    });
    expect(events).toEqual([
      expect.objectContaining({
        id: completed!.id,
        method: 'connection/complete',
        status: 'ok',
        gateway: null,
        server: { id: done.installationId, label: expect.any(String) as string },
        caller: { id: `user:${a.member.id}`, label: a.member.email },
      }),
    ]);
    // Not calls through a gateway: nothing is counted in the usage rollups.
    expect(await env.db.db.select().from(usageRollups).where(eq(usageRollups.tenantId, a.tenant.id))).toEqual(
      [],
    );
  });

  it('records a state that matches no sign-in, and a replayed callback, in the workspace the state names', async () => {
    const before = await count(a.tenant.id, 'connection/complete');
    await expect(
      complete(a.member.id, { state: `${a.tenant.id}.forged`, code: 'c0de-forged-1234' }),
    ).rejects.toThrow(/already completed or has expired/);
    expect(await onlyNewRow(a.tenant.id, 'connection/complete', before)).toMatchObject({
      status: 'denied',
      policyOutcome: 'deny:state_unknown',
      principalId: `user:${a.member.id}`,
      installationId: null,
      response: { message: 'This sign-in was already completed or has expired; start the connection again' },
    });

    // The code replayed with its state: the state was spent by the first completion.
    const { params } = await connect('otherMember');
    await expect(complete(a.otherMember.id, params)).rejects.toThrow(/already completed or has expired/);
    expect(await onlyNewRow(a.tenant.id, 'connection/complete', before + 2)).toMatchObject({
      status: 'denied',
      policyOutcome: 'deny:state_unknown',
      principalId: `user:${a.otherMember.id}`,
    });

    // A state naming a workspace the user is not in, or none: no workspace's log gets a row.
    const bBefore = await count(b.tenant.id, 'connection/complete');
    await expect(complete(a.member.id, { state: `${b.tenant.id}.forged`, code: 'x' })).rejects.toThrow();
    await expect(complete(a.member.id, { state: 'no-workspace', code: 'x' })).rejects.toThrow();
    expect(await count(b.tenant.id, 'connection/complete')).toBe(bBefore);
    expect(await count(a.tenant.id, 'connection/complete')).toBe(before + 3);
  });

  it('records a code replayed with a fresh state as refused by the token endpoint, and saves nothing', async () => {
    const { params: used } = await connect('admin');
    const connection = await connectionOf(a.admin.id);
    const before = await count(a.tenant.id, 'connection/complete');
    const { state } = await start(a.actors.admin);
    await expect(complete(a.admin.id, { ...used, state })).rejects.toThrow(/would not issue tokens/);
    expect(await onlyNewRow(a.tenant.id, 'connection/complete', before)).toMatchObject({
      status: 'denied',
      policyOutcome: 'deny:token_refused',
      principalId: `user:${a.admin.id}`,
      response: {
        message: expect.stringMatching(/^The server would not issue tokens: invalid_grant/) as string,
      },
    });
    const [after] = await env.db.db
      .select()
      .from(upstreamConnections)
      .where(eq(upstreamConnections.id, connection.id));
    expect(after!.connectedAt).toEqual(connection.connectedAt);
  });

  it('records an error the server sent back, another issuer, and another user completing a sign-in', async () => {
    const before = await count(a.tenant.id, 'connection/complete');
    const denied = await start(a.actors.member);
    const params = await consent(denied.authorizationUrl, 'member', false);
    expect(params.error).toBe('access_denied');
    await expect(complete(a.member.id, params)).rejects.toThrow(/access was denied/);
    expect(await onlyNewRow(a.tenant.id, 'connection/complete', before)).toMatchObject({
      status: 'denied',
      policyOutcome: 'deny:upstream_refused',
      principalId: `user:${a.member.id}`,
      request: { error: 'access_denied', registryEntryId: entryId, scope: 'personal' },
      response: { message: expect.stringContaining('access was denied') as string },
    });

    const failing = await start(a.actors.member);
    // A server echoing the state in its error: the page shows what it said, the audit row does not.
    await expect(
      complete(a.member.id, {
        state: failing.state,
        error: 'temporarily_unavailable',
        error_description: `busy with ${failing.state}`,
      }),
    ).rejects.toThrow(/The server refused: temporarily_unavailable/);
    expect(await onlyNewRow(a.tenant.id, 'connection/complete', before + 1)).toMatchObject({
      status: 'error',
      policyOutcome: 'deny:upstream_error',
      response: { message: 'The server refused: temporarily_unavailable (busy with [redacted])' },
    });

    const mixedUp = await start(a.actors.member);
    const code = (await consent(mixedUp.authorizationUrl, 'member')).code!;
    await expect(
      complete(a.member.id, { state: mixedUp.state, code, iss: 'https://evil.example.test' }),
    ).rejects.toThrow(/not http/);
    expect(await onlyNewRow(a.tenant.id, 'connection/complete', before + 2)).toMatchObject({
      status: 'denied',
      policyOutcome: 'deny:wrong_issuer',
      request: { iss: 'https://evil.example.test' },
    });

    const stolen = await start(a.actors.member);
    const stolenParams = await consent(stolen.authorizationUrl, 'member');
    await expect(complete(a.otherMember.id, stolenParams)).rejects.toThrow(/started by another user/);
    expect(await onlyNewRow(a.tenant.id, 'connection/complete', before + 3)).toMatchObject({
      status: 'denied',
      policyOutcome: 'deny:wrong_user',
      principalId: `user:${a.otherMember.id}`,
      request: { startedBy: `user:${a.member.id}` },
    });
  });

  it('records a refresh the server refuses, from a proxy or the worker, as reconnect needed', async () => {
    const member = await connectionOf(a.member.id);
    const other = await connectionOf(a.otherMember.id);
    // Both users revoke Toolgate at the server.
    for (const c of [member, other]) expect(await upstream.revoke(await refreshTokenOf(c.id))).toBe(true);

    // A proxy refreshing after a 401 (it passes refreshedSince).
    const outcome = await refreshConnection({
      ...services(),
      tenantId: a.tenant.id,
      connectionId: member.id,
      refreshedSince: new Date(Date.now() - 1_000),
    });
    expect(outcome.kind).toBe('needs_reconnect');
    const [fromProxy] = await rows(a.tenant.id, 'connection/refresh');
    expect(fromProxy).toMatchObject({
      status: 'denied',
      policyOutcome: 'deny:refresh_refused',
      principalId: `user:${a.member.id}`,
      installationId: member.installationId,
      request: { connectionId: member.id, trigger: 'upstream_refused_token' },
      response: {
        message: expect.stringMatching(/^The server refused to refresh the token: invalid_grant/) as string,
        connectionStatus: 'needs_reconnect',
      },
    });

    // The worker's sweep, once the 300 s tokens are past half their life: the other user's
    // refused, the admin's refreshed (a routine refresh is not recorded).
    const sweepAt = new Date(Date.now() + 200_000);
    const counts = await refreshDueConnections({ ...services(), aheadMs: 24 * 3600_000, now: sweepAt });
    expect(counts).toMatchObject({ needs_reconnect: 1, refreshed: 1 });
    const refreshes = await rows(a.tenant.id, 'connection/refresh');
    expect(refreshes).toHaveLength(2);
    expect(refreshes[1]).toMatchObject({
      status: 'denied',
      policyOutcome: 'deny:refresh_refused',
      principalId: `user:${a.otherMember.id}`,
      installationId: other.installationId,
      request: { connectionId: other.id, trigger: 'ahead_of_expiry' },
    });
    // Already marked: the next sweep neither refreshes nor records it again.
    await refreshDueConnections({
      ...services(),
      aheadMs: 24 * 3600_000,
      now: new Date(sweepAt.getTime() + 1_000),
    });
    expect(await count(a.tenant.id, 'connection/refresh')).toBe(2);
  });

  it('records a disconnect with whether the server revoked the tokens, and a refused one', async () => {
    // The organization's account, connected by an admin: a member may not disconnect it.
    const { done: org } = await connect('admin', { scope: 'org' });
    const before = await count(a.tenant.id, 'connection/delete');
    await expect(
      deleteConnection({
        ...services(),
        tenantId: a.tenant.id,
        actor: a.actors.member,
        connectionId: org.connectionId,
      }),
    ).rejects.toThrow(/Only owners and admins/);
    expect(await onlyNewRow(a.tenant.id, 'connection/delete', before)).toMatchObject({
      status: 'denied',
      policyOutcome: 'deny:forbidden',
      principalId: `user:${a.member.id}`,
      installationId: org.installationId,
    });

    // Another workspace's admin: not found, and no row in either log.
    const bBefore = await count(b.tenant.id, 'connection/delete');
    await expect(
      deleteConnection({
        ...services(),
        tenantId: b.tenant.id,
        actor: b.actors.admin,
        connectionId: org.connectionId,
      }),
    ).rejects.toThrow(/not found/);
    expect(await count(b.tenant.id, 'connection/delete')).toBe(bBefore);

    await refreshTokenOf(org.connectionId);
    const removed = await deleteConnection({
      ...services(),
      tenantId: a.tenant.id,
      actor: a.actors.admin,
      connectionId: org.connectionId,
    });
    expect(removed.revokedAtServer).toBe(true);
    expect(await onlyNewRow(a.tenant.id, 'connection/delete', before + 1)).toMatchObject({
      status: 'ok',
      policyOutcome: 'allow',
      principalId: `user:${a.admin.id}`,
      installationId: org.installationId,
      request: { connectionId: org.connectionId },
      response: { revokedAtServer: true, revocation: 'revoked', installationRemoved: false },
    });
    const [kept] = await env.db.db
      .select()
      .from(installations)
      .where(eq(installations.id, org.installationId));
    expect(kept).toMatchObject({ credentialsSealed: null });
  });

  it('records discovery the SSRF guard refuses, and metadata about another resource', async () => {
    const before = await count(a.tenant.id, 'connection/start');
    const privateEntry = await seedRegistryEntry(env.db.db, a.tenant.id, {
      url: 'https://127.0.0.1:9/mcp',
      authKind: 'oauth',
    });
    await expect(
      startConnection({
        ...services(),
        allowPrivate: false,
        tenantId: a.tenant.id,
        actor: a.actors.member,
        input: { registryEntryId: privateEntry.id, scope: 'personal' },
        publicWebUrl: PUBLIC_WEB_URL,
      }),
    ).rejects.toThrow(/is a private address/);
    expect(await onlyNewRow(a.tenant.id, 'connection/start', before)).toMatchObject({
      status: 'denied',
      policyOutcome: 'deny:private_address',
      principalId: `user:${a.member.id}`,
      request: { registryEntryId: privateEntry.id },
      response: { message: expect.stringContaining('is a private address') as string },
    });

    // A server whose protected-resource metadata names another resource.
    const liar = await serveMetadataFor('https://elsewhere.example.test/mcp', upstream.issuer);
    try {
      const entry = await seedRegistryEntry(env.db.db, a.tenant.id, {
        url: `${liar.url}/mcp`,
        authKind: 'oauth',
      });
      await expect(
        startConnection({
          ...services(),
          tenantId: a.tenant.id,
          actor: a.actors.member,
          input: { registryEntryId: entry.id, scope: 'personal' },
          publicWebUrl: PUBLIC_WEB_URL,
        }),
      ).rejects.toThrow(/published metadata for another resource/);
      expect(await onlyNewRow(a.tenant.id, 'connection/start', before + 1)).toMatchObject({
        status: 'denied',
        policyOutcome: 'deny:wrong_resource',
      });
    } finally {
      await liar.close();
    }
  });

  it('keeps every row in its workspace, shows refusals with their message, and stores no secret', async () => {
    const all = await env.db.db.select().from(auditEvents);
    expect(all.length).toBeGreaterThan(10);
    expect(all.every((r) => r.tenantId === a.tenant.id)).toBe(true);
    // Another workspace's admin lists none of them, nor opens one.
    const theirs = await listAuditEvents({
      db: env.db.db,
      tenantId: b.tenant.id,
      actor: b.actors.admin,
      input: {},
    });
    expect(theirs.events).toEqual([]);
    const refused = all.find((r) => r.policyOutcome === 'deny:wrong_user')!;
    await expect(
      getAuditEvent({ db: env.db.db, tenantId: b.tenant.id, actor: b.actors.admin, eventId: refused.id }),
    ).rejects.toThrow(/No call/);
    expect(
      await getAuditEvent({
        db: env.db.db,
        tenantId: a.tenant.id,
        actor: a.actors.admin,
        eventId: refused.id,
      }),
    ).toMatchObject({
      method: 'connection/complete',
      status: 'denied',
      denyReason: 'wrong_user',
      errorMessage: 'This sign-in was started by another user; start it yourself',
    });

    const dump = JSON.stringify(all);
    expect(secrets.size).toBeGreaterThan(10);
    for (const secret of secrets) expect(dump).not.toContain(secret);
    for (const token of upstream.seen.tokens) expect(dump).not.toContain(token.jti);
    expect(dump).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });
});

/** An MCP server stand-in whose protected-resource metadata names `resource`. */
async function serveMetadataFor(resource: string, issuer: string) {
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/.well-known/oauth-protected-resource')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ resource, authorization_servers: [issuer] }));
      return;
    }
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
