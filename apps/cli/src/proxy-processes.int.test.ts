import { completeConnection, startConnection } from '@toolgate/api/services/connections';
import { decideToolChange } from '@toolgate/api/services/tool-changes';
import { tenants as tenantsTable, tools as toolsTable } from '@toolgate/db/schema';
import { and, eq, isNotNull } from 'drizzle-orm';
import { createBus, type Bus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import {
  createTestDatabase,
  seedApiToken,
  seedMember,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
  type TestDatabase,
} from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { sseEvents } from '@toolgate/fixtures/test-kit';
import { startHttpFixture, type HttpFixture } from '@toolgate/mcp/upstream/testing/http-fixture';
import { authorizeHeadless, startOAuthUpstream, type OAuthUpstream } from '@toolgate/fixtures/oauth-upstream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openSession, postRpc } from './testing/mcp-session.ts';
import { childEnv, startToolgate, type StartedToolgate } from './testing/run-cli.ts';

const postgresUrl = inject('postgresUrl');
const redisUrl = inject('redisUrl');

/**
 * Two `toolgate proxy` processes sharing Postgres and Redis, as in production: no sticky
 * sessions, and losing a process loses no session.
 */
describe.skipIf(!postgresUrl || !redisUrl)('two proxy processes', () => {
  let db: TestDatabase;
  let everything: RunningEverythingServer;
  let fixture: HttpFixture;
  let oauth: OAuthUpstream;
  let bus: Bus;
  const callers: Record<'alice' | 'bob', string> = { alice: '', bob: '' };
  const proxies: StartedToolgate[] = [];
  let gatewayPath = '';
  let token = '';
  let tenantId = '';
  let fxInstallationId = '';

  beforeAll(async () => {
    [db, everything, fixture, oauth] = await Promise.all([
      createTestDatabase(postgresUrl),
      startEverythingServer('streamableHttp'),
      startHttpFixture(),
      startOAuthUpstream(),
    ]);
    const tenant = await seedTenant(db.db);
    const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'everything', url: everything.url });
    const installation = await seedInstallation(db.db, tenant.id, entry.id);
    await seedTools(db.db, tenant.id, installation.id, [
      {
        name: 'echo',
        inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      },
      { name: 'trigger-long-running-operation', inputSchema: { type: 'object' } },
    ]);
    const gateway = await seedGateway(db.db, tenant.id);
    await seedAssignments(db.db, tenant.id, gateway.id, [
      { registryEntryId: entry.id, toolName: 'echo' },
      { registryEntryId: entry.id, toolName: 'trigger-long-running-operation', alias: 'slow' },
    ]);
    // A server that changes outside calls: a tool description, resources one can subscribe to.
    const fx = await seedRegistryEntry(db.db, tenant.id, { slug: 'fx', url: fixture.url });
    const fxInstallation = await seedInstallation(db.db, tenant.id, fx.id);
    tenantId = tenant.id;
    fxInstallationId = fxInstallation.id;
    await seedTools(db.db, tenant.id, fxInstallation.id, [
      { name: 'motd', description: 'Message of the day' },
      { name: 'touch' },
      { name: 'redescribe' },
    ]);
    await seedAssignments(db.db, tenant.id, gateway.id, [
      { registryEntryId: fx.id, toolName: 'motd' },
      { registryEntryId: fx.id, toolName: 'touch' },
      { registryEntryId: fx.id, toolName: 'redescribe' },
      { registryEntryId: fx.id, kind: 'resources', toolName: '*' },
    ]);
    token = (await seedApiToken(db.db, tenant.id)).token;
    gatewayPath = `/mcp/${tenant.slug}/${gateway.slug}`;

    // Two users, each with their own account at an OAuth server, connected the way the UI does it.
    const secretSpec = generateKeySpec('k1');
    const keys = parseKeyRing(secretSpec);
    bus = createBus({ redisUrl });
    const notes = await seedRegistryEntry(db.db, tenant.id, {
      slug: 'notes',
      url: oauth.mcpUrl,
      authKind: 'oauth',
    });
    await seedAssignments(db.db, tenant.id, gateway.id, [{ registryEntryId: notes.id, toolName: 'whoami' }]);
    for (const name of ['alice', 'bob'] as const) {
      const user = await seedMember(db.db, tenant.id);
      callers[name] = (await seedApiToken(db.db, tenant.id, { scope: 'user', userId: user.id })).token;
      const { authorizationUrl } = await startConnection({
        db: db.db,
        keys,
        tenantId: tenant.id,
        actor: { userId: user.id, role: 'member' },
        input: { registryEntryId: notes.id, scope: 'personal' },
        publicWebUrl: 'http://127.0.0.1:3999',
        allowPrivate: true,
      });
      const back = await authorizeHeadless(authorizationUrl, { username: name });
      await completeConnection({
        db: db.db,
        bus,
        keys,
        userId: user.id,
        params: Object.fromEntries(back.searchParams),
        allowPrivate: true,
      });
    }

    const env = childEnv({
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl,
      PROXY_PORT: '0',
      TOOLGATE_SESSION_KEYS: generateKeySpec('s1'),
      TOOLGATE_SECRET_KEYS: secretSpec,
      TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: 'true',
    });
    proxies.push(...(await Promise.all([startToolgate('proxy', env), startToolgate('proxy', env)])));
  });

  afterAll(async () => {
    for (const p of proxies) if (p.child.exitCode === null) await p.stop();
    await everything?.close();
    await fixture?.close();
    await oauth?.close();
    await bus?.close();
    await db?.destroy();
  });

  it('resume on one process a call whose stream was cut on the other', async () => {
    const [a, b] = proxies.map((p) => `${p.urls.proxy}${gatewayPath}`) as [string, string];
    const headers = await openSession(a, token);
    const abort = new AbortController();
    const res = await fetch(a, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'slow', arguments: { duration: 1, steps: 4 }, _meta: { progressToken: 't' } },
      }),
      signal: abort.signal,
    });
    const next = sseEvents(res);
    expect((await next())?.data).toBe(''); // priming
    const first = (await next())!;
    abort.abort();
    const resumed = await fetch(b, {
      headers: { ...headers, accept: 'text/event-stream', 'last-event-id': first.id! },
    });
    expect(resumed.status).toBe(200);
    const rest: string[] = [];
    const more = sseEvents(resumed);
    for (let e = await more(); e; e = await more()) if (e.data) rest.push(e.data);
    expect(rest).toHaveLength(4); // progress 2, 3, 4 and the answer
    expect(JSON.parse(rest.at(-1)!)).toMatchObject({ id: 1, result: { content: [{ type: 'text' }] } });
  });

  it("relay an upstream's notifications to the stream of a session subscribed through the other", async () => {
    const [a, b] = proxies.map((p) => `${p.urls.proxy}${gatewayPath}`) as [string, string];
    const headers = await openSession(a, token);
    const abort = new AbortController();
    const stream = await fetch(b, {
      headers: { ...headers, accept: 'text/event-stream' },
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    const heard: { method?: string; params?: { uri?: string } }[] = [];
    const next = sseEvents(stream);
    void (async () => {
      for (let e = await next(); e; e = await next()) if (e.data) heard.push(JSON.parse(e.data) as never);
    })().catch(() => undefined);
    const until = async (what: string, check: () => boolean) => {
      const deadline = Date.now() + 15_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };

    // Subscribed on A; B holds the stream, so B subscribes upstream and delivers.
    const subscribed = await postRpc(
      a,
      { jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: 'memo://one' } },
      headers,
    );
    expect(subscribed.json).toMatchObject({ id: 1, result: {} });
    await until('B subscribed upstream', () => fixture.log.subscriptions!.includes('+memo://one'));
    await postRpc(
      a,
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'fx__touch', arguments: { uri: 'memo://one' } },
      },
      headers,
    );
    await until('B relayed the update', () =>
      heard.some((m) => m.method === 'notifications/resources/updated' && m.params?.uri === 'memo://one'),
    );

    // The upstream changes an exposed tool: re-read, recorded once, every process's streams told.
    await postRpc(
      a,
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'fx__redescribe', arguments: { kind: 'tool', description: 'Today: fog' } },
      },
      headers,
    );
    // Tool definitions are pinned: the changed one is served once an owner approves it.
    const deadline = Date.now() + 15_000;
    let pending: { id: string } | undefined;
    while (!pending) {
      [pending] = await db.db
        .select({ id: toolsTable.id })
        .from(toolsTable)
        .where(
          and(
            eq(toolsTable.installationId, fxInstallationId),
            eq(toolsTable.name, 'motd'),
            isNotNull(toolsTable.pendingSince),
          ),
        );
      if (Date.now() > deadline) throw new Error('timed out waiting for the change to wait for approval');
      if (!pending) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await decideToolChange({
      db: db.db,
      bus,
      tenantId,
      actor: { userId: null, role: 'owner' },
      id: pending.id,
      decision: 'approve',
    });
    await until('B relayed the list change', () =>
      heard.some((m) => m.method === 'notifications/tools/list_changed'),
    );
    const listed = await postRpc(b, { jsonrpc: '2.0', id: 4, method: 'tools/list', params: {} }, headers);
    const tools = (listed.json as { result: { tools: { name: string; description: string }[] } }).result
      .tools;
    expect(tools.find((t) => t.name === 'fx__motd')?.description).toBe('Today: fog');
    abort.abort();
  });

  it("never use one user's connected account for another, under concurrency, on either process", async () => {
    const urls = proxies.map((p) => `${p.urls.proxy}${gatewayPath}`) as [string, string];
    const whoami = async (name: 'alice' | 'bob', url: string) => {
      const headers = await openSession(url, callers[name]);
      const answer = await postRpc(
        url,
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'notes__whoami', arguments: {} } },
        headers,
      );
      const text = (answer.json as { result: { content: { text: string }[] } }).result.content[0]!.text;
      return (JSON.parse(text) as { sub: string }).sub;
    };
    const runs = Array.from({ length: 24 }, (_, i) => {
      const name = i % 2 ? 'alice' : 'bob';
      return whoami(name, urls[Math.floor(i / 2) % 2]!).then((sub) => ({ name, sub }));
    });
    for (const { name, sub } of await Promise.all(runs)) expect(sub).toBe(name);
  });

  it('hold a tenant to its per-minute limit across both processes: exactly N calls, whichever serves them', async () => {
    const tenant = await seedTenant(db.db);
    await db.db
      .update(tenantsTable)
      .set({ limitOverrides: { callsPerMinute: 10 } })
      .where(eq(tenantsTable.id, tenant.id));
    const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'everything', url: everything.url });
    const installation = await seedInstallation(db.db, tenant.id, entry.id);
    await seedTools(db.db, tenant.id, installation.id, [{ name: 'echo' }]);
    const gateway = await seedGateway(db.db, tenant.id);
    await seedAssignments(db.db, tenant.id, gateway.id, [{ registryEntryId: entry.id, toolName: 'echo' }]);
    const caller = (await seedApiToken(db.db, tenant.id)).token;
    const urls = proxies.map((p) => `${p.urls.proxy}/mcp/${tenant.slug}/${gateway.slug}`);
    // One session on each process: two of the minute's ten requests.
    const sessions = await Promise.all(urls.map((url) => openSession(url, caller)));
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        postRpc(
          urls[n % 2]!,
          {
            jsonrpc: '2.0',
            id: n + 1,
            method: 'tools/call',
            params: { name: 'everything__echo', arguments: { message: `m${n}` } },
          },
          sessions[n % 2]!,
        ),
      ),
    );
    const served = answers.filter((a) => a.json?.result !== undefined);
    const refused = answers.filter((a) => a.json?.error !== undefined);
    expect(served).toHaveLength(8);
    expect(refused).toHaveLength(22);
    for (const a of refused)
      expect(a.json!.error).toMatchObject({ code: -32014, data: { limit: 'callsPerMinute', max: 10 } });
    // Each process refused some: the count is shared, not per process.
    expect(new Set(refused.map((a) => answers.indexOf(a) % 2)).size).toBe(2);
  });

  it("continue each other's sessions, and one dying mid-run loses none", async () => {
    const [a, b] = proxies.map((p) => `${p.urls.proxy}${gatewayPath}`) as [string, string];
    const headers = await openSession(a, token);
    const call = (url: string, i: number) =>
      postRpc(
        url,
        {
          jsonrpc: '2.0',
          id: i,
          method: 'tools/call',
          params: { name: 'everything__echo', arguments: { message: `m${i}` } },
        },
        headers,
      );

    for (let i = 1; i <= 10; i++) {
      const res = await call(i % 2 ? a : b, i);
      expect(res.json).toMatchObject({ id: i, result: { content: [{ type: 'text', text: `Echo: m${i}` }] } });
    }
    proxies[0]!.child.kill('SIGKILL');
    for (let i = 11; i <= 20; i++) {
      const res = await call(b, i);
      expect(res.json).toMatchObject({ id: i, result: { content: [{ type: 'text', text: `Echo: m${i}` }] } });
    }
  });
});
