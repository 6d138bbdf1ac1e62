import {
  completeConnection,
  deleteConnection,
  listConnections,
  refreshConnection,
  startConnection,
} from '@toolgate/api/services/connections';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedMember,
  seedRegistryEntry,
  seedTenant,
} from '@toolgate/db/testing';
import {
  installations,
  upstreamConnections,
  upstreamOAuthClients,
  upstreamOAuthStates,
} from '@toolgate/db/schema';
import { authorizeHeadless, startOAuthUpstream, type OAuthUpstream } from '@toolgate/fixtures/oauth-upstream';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { redisContents } from '@toolgate/bus/testing/redis-contents';
import { connectClient, createHarness, rpc, type Harness, type RunningProxy } from './testing/harness.ts';
import { captureLogs } from './testing/log-capture.ts';

/**
 * Connected accounts against a real OpenID provider (oidc-provider) fronting an MCP server that
 * accepts only its tokens: Toolgate registers itself (DCR), a user consents, the gateway calls as
 * that user, refreshes, and disconnects; nobody else's call ever uses the account.
 */
let h: Harness;
let upstream: OAuthUpstream;
let proxy: RunningProxy;
let tenant: Awaited<ReturnType<typeof seedTenant>>;
let entryId: string;
let path: string;
const users: Record<'alice' | 'bob', { id: string; token: string }> = {} as never;

const PUBLIC_WEB_URL = 'http://127.0.0.1:3999';
const logs = captureLogs('debug');

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  upstream = await startOAuthUpstream();
  tenant = await seedTenant(h.db.db);
  const entry = await seedRegistryEntry(h.db.db, tenant.id, {
    slug: 'notes',
    name: 'Notes',
    url: upstream.mcpUrl,
    authKind: 'oauth',
  });
  entryId = entry.id;
  const gateway = await seedGateway(h.db.db, tenant.id);
  await seedAssignments(h.db.db, tenant.id, gateway.id, [{ registryEntryId: entry.id, toolName: 'whoami' }]);
  for (const name of ['alice', 'bob'] as const) {
    const user = await seedMember(h.db.db, tenant.id);
    const { token } = await seedApiToken(h.db.db, tenant.id, { scope: 'user', userId: user.id });
    users[name] = { id: user.id, token };
  }
  path = `/mcp/${tenant.slug}/${gateway.slug}`;
  proxy = await h.startProxy({ PUBLIC_WEB_URL }, { log: logs.log });
});

afterAll(async () => {
  await h?.close();
  await upstream?.close();
});

const services = () => ({ db: h.db.db, bus: proxy.bus, keys: h.secretKeys, allowPrivate: true });
const actor = (name: 'alice' | 'bob') => ({ userId: users[name].id, role: 'member' as const });

async function connect(name: 'alice' | 'bob') {
  const { authorizationUrl } = await startConnection({
    ...services(),
    tenantId: tenant.id,
    actor: actor(name),
    input: { registryEntryId: entryId, scope: 'personal' },
    publicWebUrl: PUBLIC_WEB_URL,
  });
  const back = await authorizeHeadless(authorizationUrl, { username: name });
  expect(back.href.startsWith(`${PUBLIC_WEB_URL}/oauth/upstream/callback?`)).toBe(true);
  const params = Object.fromEntries(back.searchParams);
  return { params, done: await completeConnection({ ...services(), userId: users[name].id, params }) };
}

async function session(name: 'alice' | 'bob', capabilities: Record<string, unknown> = {}) {
  const auth = { authorization: `Bearer ${users[name].token}` };
  const init = await rpc(
    `${proxy.url}${path}`,
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 't', version: '1' } },
    },
    auth,
  );
  const headers = {
    ...auth,
    'mcp-session-id': init.headers.get('mcp-session-id')!,
    'mcp-protocol-version': '2025-11-25',
  };
  return async () =>
    (
      await rpc(
        `${proxy.url}${path}`,
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'notes__whoami', arguments: {} } },
        headers,
      )
    ).json as {
      result?: { content: { text: string }[]; isError?: boolean };
      error?: { code: number; message: string; data?: unknown };
    };
}

const works = (answer: { result?: { isError?: boolean } }) =>
  answer.result !== undefined && answer.result.isError !== true;

const subjectOf = (answer: Awaited<ReturnType<Awaited<ReturnType<typeof session>>>>) =>
  (JSON.parse(answer.result!.content[0]!.text) as { sub: string }).sub;

describe('connected accounts (authorization code + PKCE against oidc-provider)', () => {
  it("registers Toolgate, stores the user's tokens sealed, and calls as that user only", async () => {
    const { params, done } = await connect('alice');
    const [client] = await h.db.db
      .select()
      .from(upstreamOAuthClients)
      .where(eq(upstreamOAuthClients.tenantId, tenant.id));
    expect(client).toMatchObject({ registration: 'dcr', issuer: upstream.issuer });
    // The callback is single use.
    await expect(completeConnection({ ...services(), userId: users.alice.id, params })).rejects.toThrow(
      /already completed or has expired/,
    );

    const [connection] = await listConnections({ db: h.db.db, tenantId: tenant.id, actor: actor('alice') });
    expect(connection).toMatchObject({
      id: done.connectionId,
      status: 'active',
      scope: 'personal',
      userId: users.alice.id,
    });
    expect(await listConnections({ db: h.db.db, tenantId: tenant.id, actor: actor('bob') })).toEqual([]);

    const call = await session('alice');
    await expect.poll(async () => works(await call()), { timeout: 10_000 }).toBe(true);
    expect(subjectOf(await call())).toBe('alice');
    // The official SDK client, as an MCP client would call: the same account.
    const sdk = await connectClient(`${proxy.url}${path}`, users.alice.token);
    try {
      const viaSdk = await sdk.client.callTool({ name: 'notes__whoami', arguments: {} });
      const [first] = viaSdk.content as { type: string; text: string }[];
      expect((JSON.parse(first!.text) as { sub: string }).sub).toBe('alice');
    } finally {
      await sdk.client.close();
    }
    // Bob still has no account: Alice's is never used for him.
    const bob = await (await session('bob'))();
    expect(bob.result?.isError).toBe(true);
    expect(upstream.seen.subjects.filter((s) => s !== 'alice')).toEqual([]);
  });

  it('asks a caller without an account (Bob) to connect: a link, or a URL elicitation for clients that take them', async () => {
    const plain = await (await session('bob'))();
    expect(plain.result?.isError).toBe(true);
    expect(plain.result?.content[0]?.text).toContain(
      `${PUBLIC_WEB_URL}/t/${tenant.slug}/connections?connect=${entryId}`,
    );
    const elicit = await (await session('bob', { elicitation: { url: {} } }))();
    expect(elicit.error).toMatchObject({
      code: -32042,
      data: {
        elicitations: [
          { mode: 'url', url: `${PUBLIC_WEB_URL}/t/${tenant.slug}/connections?connect=${entryId}` },
        ],
      },
    });
  });

  it('refuses a callback completed by another user, and saves nothing', async () => {
    const { authorizationUrl } = await startConnection({
      ...services(),
      tenantId: tenant.id,
      actor: actor('bob'),
      input: { registryEntryId: entryId, scope: 'personal' },
      publicWebUrl: PUBLIC_WEB_URL,
    });
    const back = await authorizeHeadless(authorizationUrl, { username: 'bob' });
    await expect(
      completeConnection({
        ...services(),
        userId: users.alice.id,
        params: Object.fromEntries(back.searchParams),
      }),
    ).rejects.toThrow(/started by another user/);
    const bobs = await h.db.db.select().from(installations).where(eq(installations.userId, users.bob.id));
    expect(bobs).toEqual([]);
    // The user who started it can still finish it.
    await completeConnection({
      ...services(),
      userId: users.bob.id,
      params: Object.fromEntries(back.searchParams),
    });
    const call = await session('bob');
    await expect.poll(async () => works(await call()), { timeout: 10_000 }).toBe(true);
    expect(subjectOf(await call())).toBe('bob');
  });

  it('refreshes with rotation, once, and the gateway uses the new token', async () => {
    const [connection] = await listConnections({ db: h.db.db, tenantId: tenant.id, actor: actor('alice') });
    const outcome = await refreshConnection({
      ...services(),
      tenantId: tenant.id,
      connectionId: connection!.id,
    });
    expect(outcome.kind).toBe('refreshed');
    // Just refreshed: a second refresher asking "unless refreshed since" does nothing.
    const again = await refreshConnection({
      ...services(),
      tenantId: tenant.id,
      connectionId: connection!.id,
      refreshedSince: new Date(Date.now() - 60_000),
    });
    expect(again.kind).toBe('fresh');
    const call = await session('alice');
    await expect.poll(async () => works(await call()), { timeout: 10_000 }).toBe(true);
    expect(subjectOf(await call())).toBe('alice');
  });

  it('refreshes on the spot when the upstream refuses an expired token, and the call goes through', async () => {
    upstream.setAccessTokenTtl(1);
    try {
      await connect('alice'); // reconnected: a token that lives one second
      const issued = Date.now();
      await expect.poll(() => Date.now() - issued, { timeout: 5_000 }).toBeGreaterThan(1_500);
      const rejectedBefore = upstream.seen.rejected.length;
      const answer = await (await session('alice'))();
      expect(works(answer)).toBe(true);
      expect(subjectOf(answer)).toBe('alice');
      // The upstream did refuse the expired token first; the gateway refreshed and sent it again.
      expect(upstream.seen.rejected.slice(rejectedBefore)).toContainEqual(
        expect.objectContaining({ status: 401 }),
      );
      const [connection] = await listConnections({ db: h.db.db, tenantId: tenant.id, actor: actor('alice') });
      expect(connection!.lastRefreshedAt).not.toBeNull();
    } finally {
      upstream.setAccessTokenTtl(300);
    }
  });

  it('the worker refreshes tokens that expire soon, ahead of time', async () => {
    const { refreshDueConnections } = await import('@toolgate/api/services/connections');
    const [before] = await listConnections({ db: h.db.db, tenantId: tenant.id, actor: actor('bob') });
    const counts = await refreshDueConnections({ ...services(), aheadMs: 24 * 3600_000 });
    expect(counts.refreshed).toBeGreaterThanOrEqual(1);
    const [after] = await listConnections({ db: h.db.db, tenantId: tenant.id, actor: actor('bob') });
    expect(after!.lastRefreshedAt).not.toBe(before!.lastRefreshedAt);
    const call = await session('bob');
    expect(subjectOf(await call())).toBe('bob');
  });

  it('keeps no token in the clear in the database, the bus or the log', async () => {
    const seen = upstream.seen.tokens.map((t) => t.jti);
    expect(seen.length).toBeGreaterThan(0);
    let dump = JSON.stringify([
      await h.db.db.select().from(installations),
      await h.db.db.select().from(upstreamConnections),
      await h.db.db.select().from(upstreamOAuthClients),
      await h.db.db.select().from(upstreamOAuthStates),
    ]);
    // And in what the bus keeps (snapshots carry credentials sealed) and in the proxy's log.
    // Everything Redis holds (this deployment's keys and any other's): none may carry a token.
    const held = await redisContents(inject('redisUrl'));
    expect(held.keys).toBeGreaterThan(0);
    dump += held.text;
    dump += logs.text();
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const jti of seen) expect(dump).not.toContain(jti);
    // JWT access tokens start with a base64url JSON header.
    expect(dump).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });

  it('disconnects: revoked at the server, forgotten, and the next call asks to connect again', async () => {
    const [connection] = await listConnections({ db: h.db.db, tenantId: tenant.id, actor: actor('alice') });
    // Bob may not disconnect Alice's account.
    await expect(
      deleteConnection({
        ...services(),
        tenantId: tenant.id,
        actor: actor('bob'),
        connectionId: connection!.id,
      }),
    ).rejects.toThrow();
    const removed = await deleteConnection({
      ...services(),
      tenantId: tenant.id,
      actor: actor('alice'),
      connectionId: connection!.id,
    });
    expect(removed).toEqual({ id: connection!.id, revokedAtServer: true });
    const rows = await h.db.db.execute(
      sql`select count(*)::int as n from upstream_connections where id = ${connection!.id}`,
    );
    expect((rows.rows[0] as { n: number }).n).toBe(0);
    const call = await session('alice');
    await expect
      .poll(async () => (await call()).result?.content[0]?.text ?? '', { timeout: 10_000 })
      .toContain('Connect your account at Notes');
  });

  it("forgets a member's personal accounts when they leave the workspace", async () => {
    const admin = await seedMember(h.db.db, tenant.id, 'admin');
    const adminActor = { userId: admin.id, role: 'admin' as const };
    const before = await listConnections({ db: h.db.db, tenantId: tenant.id, actor: adminActor });
    expect(before.map((c) => c.userId)).toContain(users.bob.id);
    // A sign-in Bob started before leaving cannot be completed afterwards.
    const { authorizationUrl } = await startConnection({
      ...services(),
      tenantId: tenant.id,
      actor: actor('bob'),
      input: { registryEntryId: entryId, scope: 'personal' },
      publicWebUrl: PUBLIC_WEB_URL,
    });
    const back = await authorizeHeadless(authorizationUrl, { username: 'bob' });
    const { removeMember } = await import('@toolgate/api/services/remove-member');
    await removeMember({
      db: h.db.db,
      bus: proxy.bus,
      tenantId: tenant.id,
      actor: adminActor,
      input: { userId: users.bob.id },
    });
    const after = await listConnections({ db: h.db.db, tenantId: tenant.id, actor: adminActor });
    expect(after.map((c) => c.userId)).not.toContain(users.bob.id);
    const left = await h.db.db.select().from(installations).where(eq(installations.userId, users.bob.id));
    expect(left).toEqual([]);
    await expect(
      completeConnection({
        ...services(),
        userId: users.bob.id,
        params: Object.fromEntries(back.searchParams),
      }),
    ).rejects.toThrow(/already completed or has expired/);
    expect(await h.db.db.select().from(installations).where(eq(installations.userId, users.bob.id))).toEqual(
      [],
    );
  });
});
