import {
  completeConnection,
  deleteConnection,
  listConnections,
  refreshConnection,
  startConnection,
} from '@toolgate/api/services/connections';
import {
  installations,
  upstreamConnections,
  upstreamOAuthClients,
  upstreamOAuthStates,
} from '@toolgate/db/schema';
import { seedMember } from '@toolgate/db/testing';
import { authorizeHeadless, type OAuthUpstream } from '@toolgate/fixtures/oauth-upstream';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { redisContents } from '@toolgate/bus/testing/redis-contents';
import {
  PUBLIC_WEB_URL,
  startConnectedAccounts,
  subjectOf,
  works,
  type ConnectedAccounts,
} from './testing/connected-accounts-harness.ts';
import { connectClient, type Harness, type RunningProxy } from './testing/harness.ts';
import { captureLogs } from './testing/log-capture.ts';

/**
 * Connected accounts against a real OpenID provider (oidc-provider) fronting an MCP server that
 * accepts only its tokens: Toolgate registers itself (DCR), a user consents, the gateway calls as
 * that user, refreshes, and disconnects; nobody else's call ever uses the account.
 */
type User = 'alice' | 'bob';
let w: ConnectedAccounts<User>;
let h: Harness;
let upstream: OAuthUpstream;
let proxy: RunningProxy;
let tenant: ConnectedAccounts<User>['tenant'];
let entryId: string;
let path: string;
let users: ConnectedAccounts<User>['users'];

const logs = captureLogs('debug');

beforeAll(async () => {
  w = await startConnectedAccounts({
    postgresUrl: inject('postgresUrl'),
    redisUrl: inject('redisUrl'),
    users: ['alice', 'bob'],
    log: logs.log,
  });
  ({ h, upstream, proxy, tenant, entryId, path, users } = w);
});

afterAll(async () => {
  await w?.close();
});

const services = () => w.services();
const actor = (name: User) => w.actor(name);
const connect = (name: User) => w.connect(name);
const session = (name: User, capabilities?: Record<string, unknown>) => w.session(name, capabilities);

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
    // Bob's 300 s token, as a sweep sees it once past half its life.
    const counts = await refreshDueConnections({
      ...services(),
      aheadMs: 24 * 3600_000,
      now: new Date(Date.now() + 200_000),
    });
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
