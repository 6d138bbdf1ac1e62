import { invalidateGateways, invalidateToken } from '@toolgate/bus';
import { apiTokens, memberships } from '@toolgate/db/schema';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedMember,
  seedRegistryEntry,
  seedTeam,
  seedTenant,
} from '@toolgate/db/testing';
import {
  everythingStdioCommand,
  startEverythingServer,
  type RunningEverythingServer,
} from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectClient,
  createHarness,
  discoverAndSeedTools,
  rpc,
  type RunningProxy,
} from './testing/harness.ts';
import { startHeaderEchoServer } from './testing/header-echo-server.ts';

type Harness = Awaited<ReturnType<typeof createHarness>>;

let h: Harness;
let everything: RunningEverythingServer;
let echoServer: Awaited<ReturnType<typeof startHeaderEchoServer>>;
let proxyA: RunningProxy;
let proxyB: RunningProxy;
const world = {} as {
  tenant: { id: string; slug: string };
  otherTenant: { id: string; slug: string };
  gateway: { id: string; slug: string };
  orgToken: string;
  otherTenantToken: string;
  url: (proxy: RunningProxy, gatewaySlug?: string) => string;
};

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  [everything, echoServer] = await Promise.all([
    startEverythingServer('streamableHttp'),
    startHeaderEchoServer(),
  ]);
  const { db } = h;
  const tenant = await seedTenant(db.db);
  const otherTenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'everything', url: everything.url });
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  await discoverAndSeedTools(db, tenant.id, installation.id, { url: everything.url });
  const gateway = await seedGateway(db.db, tenant.id, { slug: 'dev' });
  await seedAssignments(db.db, tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'echo' },
    { registryEntryId: entry.id, toolName: 'get-sum', alias: 'add' },
  ]);
  const orgToken = (await seedApiToken(db.db, tenant.id)).token;
  const otherTenantToken = (await seedApiToken(db.db, otherTenant.id)).token;
  Object.assign(world, {
    tenant,
    otherTenant,
    gateway,
    orgToken,
    otherTenantToken,
    url: (proxy: RunningProxy, gatewaySlug = 'dev') => `${proxy.url}/mcp/${tenant.slug}/${gatewaySlug}`,
  });
  [proxyA, proxyB] = await Promise.all([h.startProxy(), h.startProxy()]);
});

afterAll(async () => {
  await h?.close();
  await Promise.all([everything?.close(), echoServer?.close()]);
});

describe('MCP through the gateway', () => {
  it('lists the assigned tools with stable names and calls them on the real upstream', async () => {
    const { client } = await connectClient(world.url(proxyA), world.orgToken);
    try {
      expect(client.getServerVersion()?.name).toBe(`toolgate/${world.tenant.slug}/dev`);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['add', 'everything__echo']);
      const echo = await client.callTool({
        name: 'everything__echo',
        arguments: { message: 'hello gateway' },
      });
      expect(echo.content).toEqual([{ type: 'text', text: 'Echo: hello gateway' }]);
      const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } });
      expect(JSON.stringify(sum.content)).toContain('42');
    } finally {
      await client.close();
    }
  });

  it('continues a session on another replica without sticky routing', async () => {
    const init = await rpc(
      world.url(proxyA),
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      },
      { authorization: `Bearer ${world.orgToken}` },
    );
    expect(init.status).toBe(200);
    const sessionId = init.headers.get('mcp-session-id')!;
    expect(sessionId).toBeTruthy();
    const headers = {
      authorization: `Bearer ${world.orgToken}`,
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-11-25',
    };
    const onB = await rpc(
      world.url(proxyB),
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'everything__echo', arguments: { message: 'on B' } },
      },
      headers,
    );
    expect(onB.json).toMatchObject({ id: 2, result: { content: [{ type: 'text', text: 'Echo: on B' }] } });

    // DELETE on B ends the session on every replica.
    const del = await fetch(world.url(proxyB), { method: 'DELETE', headers });
    expect(del.status).toBe(200);
    await eventually(async () => {
      const after = await rpc(world.url(proxyA), { jsonrpc: '2.0', id: 3, method: 'ping' }, headers);
      expect(after.status).toBe(404);
    }, 1_000);
  });

  it('answers protocol mistakes with clear errors and never a 500', async () => {
    const auth = { authorization: `Bearer ${world.orgToken}` };
    const url = world.url(proxyA);
    const parse = await rpc(url, '{"jsonrpc": "2.0", "id": 1, "method": ', auth);
    expect(parse.status).toBe(400);
    expect(parse.json).toMatchObject({ id: null, error: { code: -32700 } });

    const batch = await rpc(url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }], auth);
    expect(batch.status).toBe(400);
    expect((batch.json!.error as { message: string }).message).toMatch(/batches are not supported/);

    const invalid = await rpc(url, { jsonrpc: '1.0', id: 7, method: 'ping' }, auth);
    expect(invalid.json).toMatchObject({ id: 7, error: { code: -32600 } });

    const noSession = await rpc(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, auth);
    expect(noSession.status).toBe(400);
    const badSession = await rpc(
      url,
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { ...auth, 'mcp-session-id': 'v1.s1.nope.nope' },
    );
    expect(badSession.status).toBe(404);

    const big = await rpc(
      url,
      { jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(1_100_000) } },
      auth,
    );
    expect(big.status).toBe(413);

    const wrongType = await fetch(url, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
    const wrongAccept = await rpc(
      url,
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { ...auth, accept: 'text/html' },
    );
    expect(wrongAccept.status).toBe(406);
    const evilOrigin = await rpc(
      url,
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { ...auth, origin: 'https://evil.example' },
    );
    expect(evilOrigin.status).toBe(403);
    const badVersion = await rpc(
      url,
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { ...auth, 'mcp-protocol-version': '1999-01-01' },
    );
    expect(badVersion.status).toBe(400);

    const { client } = await connectClient(url, world.orgToken);
    try {
      await expect(client.callTool({ name: 'nope__missing', arguments: {} })).rejects.toThrow(
        /Unknown tool: nope__missing/,
      );
      await expect(
        client.request(
          { method: 'bogus/method', params: {} },
          (await import('zod')).z.object({}).passthrough() as never,
        ),
      ).rejects.toThrow(/Method not found/);
    } finally {
      await client.close();
    }
  });
});

describe('authentication and access', () => {
  const init = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
  };

  it('challenges missing tokens with RFC 9728 metadata, and serves that metadata', async () => {
    const res = await rpc(world.url(proxyA), init);
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toMatch(
      /^Bearer resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp\/[^"]+\/dev"$/,
    );
    const metadataPath = new URL(/resource_metadata="([^"]+)"/.exec(challenge)![1]!).pathname;
    const metadata = (await (await fetch(`${proxyA.url}${metadataPath}`)).json()) as Record<string, unknown>;
    expect(metadata.resource).toMatch(new RegExp(`/mcp/${world.tenant.slug}/dev$`));
    expect(metadata.authorization_servers).toEqual([expect.stringMatching(/^http/)]);
  });

  it("refuses another tenant's token exactly like a wrong token, and hides which tenants exist", async () => {
    const wrong = await rpc(world.url(proxyA), init, {
      authorization: 'Bearer tg_definitelynotavalidtokenatallxxxxxxxxxxxxxxxxxxx',
    });
    const foreign = await rpc(world.url(proxyA), init, { authorization: `Bearer ${world.otherTenantToken}` });
    expect(foreign.status).toBe(401);
    expect(foreign.text).toBe(wrong.text);
    expect(foreign.headers.get('www-authenticate')).toBe(wrong.headers.get('www-authenticate'));
    const noTenant = await rpc(`${proxyA.url}/mcp/no-such-tenant/dev`, init, {
      authorization: `Bearer ${world.orgToken}`,
    });
    expect(noTenant.status).toBe(401);
    const noGateway = await rpc(world.url(proxyA, 'no-such-gateway'), init, {
      authorization: `Bearer ${world.orgToken}`,
    });
    expect(noGateway.status).toBe(404);
  });

  it('admits only team members to a team gateway', async () => {
    const { db } = h;
    const member = await seedMember(db.db, world.tenant.id);
    const outsider = await seedMember(db.db, world.tenant.id);
    const team = await seedTeam(db.db, world.tenant.id, [member.id]);
    const gw = await seedGateway(db.db, world.tenant.id, { visibility: 'teams' });
    const { gatewayTeams } = await import('@toolgate/db/schema');
    await db.db.insert(gatewayTeams).values({ tenantId: world.tenant.id, gatewayId: gw.id, teamId: team.id });
    const memberToken = (await seedApiToken(db.db, world.tenant.id, { scope: 'user', userId: member.id }))
      .token;
    const outsiderToken = (await seedApiToken(db.db, world.tenant.id, { scope: 'user', userId: outsider.id }))
      .token;
    expect(
      (await rpc(world.url(proxyA, gw.slug), init, { authorization: `Bearer ${memberToken}` })).status,
    ).toBe(200);
    expect(
      (await rpc(world.url(proxyA, gw.slug), init, { authorization: `Bearer ${outsiderToken}` })).status,
    ).toBe(403);
    // Admins see every gateway in the admin UI; their personal tokens reach them too.
    const admin = await seedMember(db.db, world.tenant.id, 'admin');
    const adminToken = (await seedApiToken(db.db, world.tenant.id, { scope: 'user', userId: admin.id }))
      .token;
    expect(
      (await rpc(world.url(proxyA, gw.slug), init, { authorization: `Bearer ${adminToken}` })).status,
    ).toBe(200);
  });

  it('refuses a personal token whose owner is no longer a member, even if it was never revoked', async () => {
    const { db } = h;
    const leaver = await seedMember(db.db, world.tenant.id);
    const { token } = await seedApiToken(db.db, world.tenant.id, { scope: 'user', userId: leaver.id });
    await db.db
      .delete(memberships)
      .where(and(eq(memberships.tenantId, world.tenant.id), eq(memberships.userId, leaver.id)));
    expect((await rpc(world.url(proxyA), init, { authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('revoking a token takes effect on every replica within a second', async () => {
    const { db } = h;
    const seeded = await seedApiToken(db.db, world.tenant.id);
    const auth = { authorization: `Bearer ${seeded.token}` };
    expect((await rpc(world.url(proxyA), init, auth)).status).toBe(200);
    expect((await rpc(world.url(proxyB), init, auth)).status).toBe(200);
    await db.db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, seeded.id));
    await invalidateToken(proxyA.bus, { tenantId: world.tenant.id, tokenHash: seeded.tokenHash });
    await eventually(async () => {
      expect((await rpc(world.url(proxyA), init, auth)).status).toBe(401);
      expect((await rpc(world.url(proxyB), init, auth)).status).toBe(401);
    }, 1_000);
  });

  it('records when a token was last used, in batches off the request path', async () => {
    const seeded = await seedApiToken(h.db.db, world.tenant.id);
    expect((await rpc(world.url(proxyA), init, { authorization: `Bearer ${seeded.token}` })).status).toBe(
      200,
    );
    const lastUsed = async () =>
      (await h.db.db.select().from(apiTokens).where(eq(apiTokens.id, seeded.id)))[0]!.lastUsedAt;
    expect(await lastUsed()).toBeNull();
    await proxyA.proxy.tokens.flushUsage();
    expect(await lastUsed()).toBeInstanceOf(Date);
  });

  it('refuses a gateway-restricted token on any other gateway exactly like a wrong token', async () => {
    const other = await seedGateway(h.db.db, world.tenant.id, { slug: `other-${Date.now()}` });
    const restricted = await seedApiToken(h.db.db, world.tenant.id, { gatewayIds: [world.gateway.id] });
    const auth = { authorization: `Bearer ${restricted.token}` };
    expect((await rpc(world.url(proxyA), init, auth)).status).toBe(200);
    const elsewhere = await rpc(world.url(proxyA, other.slug), init, auth);
    const wrong = await rpc(world.url(proxyA, other.slug), init, {
      authorization: 'Bearer tg_definitelynotavalidtokenatallxxxxxxxxxxxxxxxxxxx',
    });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.text).toBe(wrong.text);
    // The other replica reads the restriction from the shared cache the first one filled.
    expect((await rpc(world.url(proxyB, other.slug), init, auth)).status).toBe(401);
    expect((await rpc(world.url(proxyB), init, auth)).status).toBe(200);
  });

  it('expired tokens are refused', async () => {
    const seeded = await seedApiToken(h.db.db, world.tenant.id, { expiresAt: new Date(Date.now() - 1_000) });
    expect((await rpc(world.url(proxyA), init, { authorization: `Bearer ${seeded.token}` })).status).toBe(
      401,
    );
  });
});

describe('upstream credentials', () => {
  it('injects the resolved installation credential, passes allow-listed headers, never the gateway token', async () => {
    const { db } = h;
    const entry = await seedRegistryEntry(db.db, world.tenant.id, {
      url: echoServer.url,
      authKind: 'header',
      authConfig: { headerName: 'X-Api-Key', valuePrefix: 'key-' },
    });
    const user = await seedMember(db.db, world.tenant.id);
    const team = await seedTeam(db.db, world.tenant.id, [user.id]);
    const orgInstall = await seedInstallation(db.db, world.tenant.id, entry.id);
    const personal = await seedInstallation(db.db, world.tenant.id, entry.id, {
      scope: 'personal',
      userId: user.id,
    });
    const teamInstall = await seedInstallation(db.db, world.tenant.id, entry.id, {
      scope: 'team',
      teamId: team.id,
    });
    const { installations } = await import('@toolgate/db/schema');
    for (const [inst, secret] of [
      [orgInstall, 'org'],
      [personal, 'personal'],
      [teamInstall, 'team'],
    ] as const) {
      await db.db
        .update(installations)
        .set({ credentialsSealed: h.sealCredentials(inst.id, { token: secret }) })
        .where(eq(installations.id, inst.id));
    }
    await discoverAndSeedTools(db, world.tenant.id, orgInstall.id, { url: echoServer.url });
    const gw = await seedGateway(db.db, world.tenant.id, {
      headerAllowlist: ['x-trace-id', 'Host', 'authorization'],
    });
    await seedAssignments(db.db, world.tenant.id, gw.id, [{ registryEntryId: entry.id, toolName: 'whoami' }]);

    const whoami = async (token: string) => {
      const { client } = await connectClient(world.url(proxyA, gw.slug), token, { 'x-trace-id': 'trace-1' });
      try {
        const result = await client.callTool({ name: `${entry.slug}__whoami`, arguments: {} });
        return JSON.parse((result.content as { text: string }[])[0]!.text) as Record<string, string>;
      } finally {
        await client.close();
      }
    };
    const userToken = (await seedApiToken(db.db, world.tenant.id, { scope: 'user', userId: user.id })).token;
    const seen = await whoami(userToken);
    expect(seen['x-api-key']).toBe('key-personal');
    expect(seen['x-trace-id']).toBe('trace-1');
    expect(JSON.stringify(seen)).not.toContain(userToken);
    expect(seen.authorization).toBeUndefined();

    // Without a personal installation the team's is used, then the org's.
    await db.db.delete(installations).where(eq(installations.id, personal.id));
    await invalidateGateways(proxyA.bus, {
      tenantId: world.tenant.id,
      tenantSlug: world.tenant.slug,
      gateways: [gw],
      reason: 'installation deleted',
    });
    await eventually(async () => expect((await whoami(userToken))['x-api-key']).toBe('key-team'), 10_000);
    expect((await whoami(world.orgToken))['x-api-key']).toBe('key-org');
  });

  it('tells a caller with no usable installation to connect their own account', async () => {
    const { db } = h;
    const entry = await seedRegistryEntry(db.db, world.tenant.id, { url: echoServer.url });
    const user = await seedMember(db.db, world.tenant.id);
    const someoneElse = await seedMember(db.db, world.tenant.id);
    const personal = await seedInstallation(db.db, world.tenant.id, entry.id, {
      scope: 'personal',
      userId: someoneElse.id,
    });
    await discoverAndSeedTools(db, world.tenant.id, personal.id, { url: echoServer.url });
    const gw = await seedGateway(db.db, world.tenant.id);
    await seedAssignments(db.db, world.tenant.id, gw.id, [{ registryEntryId: entry.id, toolName: 'whoami' }]);
    const token = (await seedApiToken(db.db, world.tenant.id, { scope: 'user', userId: user.id })).token;
    const { client } = await connectClient(world.url(proxyA, gw.slug), token);
    try {
      const result = await client.callTool({ name: `${entry.slug}__whoami`, arguments: {} });
      expect(result.isError).toBe(true);
      expect(JSON.stringify(result.content)).toMatch(/connect your own account/i);
    } finally {
      await client.close();
    }
  });
});

describe('configuration changes', () => {
  it('reach every replica within a second and announce tools/list_changed on open streams', async () => {
    const { db } = h;
    const entry = await seedRegistryEntry(db.db, world.tenant.id, {
      slug: `ev-${Date.now()}`,
      url: everything.url,
    });
    const inst = await seedInstallation(db.db, world.tenant.id, entry.id);
    await discoverAndSeedTools(db, world.tenant.id, inst.id, { url: everything.url });
    const gw = await seedGateway(db.db, world.tenant.id);
    await seedAssignments(db.db, world.tenant.id, gw.id, [{ registryEntryId: entry.id, toolName: 'echo' }]);

    const { client } = await connectClient(world.url(proxyB, gw.slug), world.orgToken);
    const changed: string[] = [];
    const { ToolListChangedNotificationSchema } = await import('@modelcontextprotocol/sdk/types.js');
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed.push('tools'));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual([`${entry.slug}__echo`]);
      // Open the GET stream (the SDK does this after initialized) before changing anything.
      await eventually(() => expect(proxyB.proxy.streamable.streams.openStreams).toBeGreaterThan(0), 10_000);

      await seedAssignments(db.db, world.tenant.id, gw.id, [
        { registryEntryId: entry.id, toolName: 'get-sum' },
      ]);
      await invalidateGateways(proxyA.bus, {
        tenantId: world.tenant.id,
        tenantSlug: world.tenant.slug,
        gateways: [gw],
        reason: 'tools assigned',
      });
      await eventually(async () => {
        expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
          `${entry.slug}__echo`,
          `${entry.slug}__get-sum`,
        ]);
      }, 1_000);
      await eventually(() => expect(changed).toEqual(['tools']), 1_000);
    } finally {
      await client.close();
    }
  });
});

describe('stdio upstreams', () => {
  it('serves tools of a local command through the gateway', async () => {
    const { db } = h;
    const cmd = everythingStdioCommand();
    const entry = await seedRegistryEntry(db.db, world.tenant.id, {
      transport: 'stdio',
      url: null,
      command: cmd.command,
      args: cmd.args,
    });
    const inst = await seedInstallation(db.db, world.tenant.id, entry.id);
    await discoverAndSeedTools(db, world.tenant.id, inst.id, cmd);
    const gw = await seedGateway(db.db, world.tenant.id);
    await seedAssignments(db.db, world.tenant.id, gw.id, [
      { registryEntryId: entry.id, toolName: 'echo', alias: 'echo' },
    ]);
    const { client } = await connectClient(world.url(proxyA, gw.slug), world.orgToken);
    try {
      const result = await client.callTool({ name: 'echo', arguments: { message: 'via stdio' } });
      expect(result.content).toEqual([{ type: 'text', text: 'Echo: via stdio' }]);
    } finally {
      await client.close();
    }
  });
});

describe('protocol revisions', () => {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientCapabilities': {},
    'io.modelcontextprotocol/clientInfo': { name: 'stateless-client', version: '1' },
  };
  const headers = (method: string, name?: string) => ({
    authorization: `Bearer ${world.orgToken}`,
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': method,
    ...(name === undefined ? {} : { 'mcp-name': name }),
  });

  it('serves 2026-07-28 clients without a session: server/discover, tools/list and tools/call', async () => {
    const discover = await rpc(
      world.url(proxyA),
      { jsonrpc: '2.0', id: 'd', method: 'server/discover', params: { _meta: meta } },
      headers('server/discover'),
    );
    expect(discover.status).toBe(200);
    expect(discover.headers.get('mcp-session-id')).toBeNull();
    expect(discover.json).toMatchObject({
      id: 'd',
      result: {
        resultType: 'complete',
        supportedVersions: expect.arrayContaining([
          '2026-07-28',
          '2025-11-25',
          '2025-06-18',
          '2025-03-26',
        ]) as unknown,
        capabilities: { tools: {} },
        _meta: { 'io.modelcontextprotocol/serverInfo': { name: `toolgate/${world.tenant.slug}/dev` } },
      },
    });
    const list = await rpc(
      world.url(proxyB),
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: meta } },
      headers('tools/list'),
    );
    expect((list.json!.result as { tools: { name: string }[] }).tools.map((t) => t.name).sort()).toEqual([
      'add',
      'everything__echo',
    ]);
    const call = await rpc(
      world.url(proxyA),
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'everything__echo', arguments: { message: 'stateless' }, _meta: meta },
      },
      headers('tools/call', 'everything__echo'),
    );
    expect(call.json).toMatchObject({
      id: 2,
      result: { resultType: 'complete', content: [{ type: 'text', text: 'Echo: stateless' }] },
    });
  });

  // The revision's wire rules (headers, _meta, removed methods, errors): protocol/modern-wire.int.test.ts.

  it('negotiates older stateful revisions', async () => {
    for (const version of ['2025-03-26', '2025-06-18', '2025-11-25']) {
      const init = await rpc(
        world.url(proxyA),
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'old', version: '1' } },
        },
        { authorization: `Bearer ${world.orgToken}` },
      );
      expect(init.json).toMatchObject({ result: { protocolVersion: version } });
    }
    const future = await rpc(
      world.url(proxyA),
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2031-01-01',
          capabilities: {},
          clientInfo: { name: 'new', version: '1' },
        },
      },
      { authorization: `Bearer ${world.orgToken}` },
    );
    expect(future.json).toMatchObject({ result: { protocolVersion: '2025-11-25' } });
  });

  it('refuses host names it does not serve (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const url = new URL(world.url(proxyA));
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            host: 'evil.example.com',
            'content-type': 'application/json',
            authorization: `Bearer ${world.orgToken}`,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
    });
    expect(status).toBe(421);
  });
});
