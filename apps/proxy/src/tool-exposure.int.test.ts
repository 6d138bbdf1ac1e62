import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { UsageEvent } from '@toolgate/core/usage';
import { tools as toolsTable } from '@toolgate/db/schema';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTeam,
  seedTenant,
  seedTools,
} from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
import { RPC } from '@toolgate/mcp/jsonrpc';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectClient,
  connectLegacyClient,
  createHarness,
  discoverAndSeedTools,
  type Harness,
  type RunningProxy,
} from './testing/harness.ts';

let h: Harness;
let everything: RunningEverythingServer;
let proxy: RunningProxy;
const recorded: UsageEvent[] = [];
const world = {} as {
  tenantSlug: string;
  orgInstallationId: string;
  orgToken: string;
  teamToken: string;
  search: string;
  full: string;
  clash: string;
};

const ASSIGNED = ['echo', 'get-sum', 'get-env', 'get-tiny-image'];

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  everything = await startEverythingServer('streamableHttp');
  const { db } = h;
  const tenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'everything', url: everything.url });
  const org = await seedInstallation(db.db, tenant.id, entry.id);
  await discoverAndSeedTools(db, tenant.id, org.id, { url: everything.url });
  // A team's own installation with echo turned off: listed thanks to the org's, refused for the team.
  const team = await seedTeam(db.db, tenant.id);
  const teamInstallation = await seedInstallation(db.db, tenant.id, entry.id, {
    scope: 'team',
    teamId: team.id,
  });
  await seedTools(db.db, tenant.id, teamInstallation.id, [{ name: 'echo' }]);
  await db.db
    .update(toolsTable)
    .set({ enabled: false })
    .where(and(eq(toolsTable.installationId, teamInstallation.id), eq(toolsTable.name, 'echo')));

  const assign = (gatewayId: string, extra: { toolName: string; alias: string }[] = []) =>
    seedAssignments(db.db, tenant.id, gatewayId, [
      ...ASSIGNED.map((toolName) => ({ registryEntryId: entry.id, toolName })),
      ...extra.map((e) => ({ registryEntryId: entry.id, ...e })),
    ]);
  const search = await seedGateway(db.db, tenant.id, { toolExposure: 'search' });
  await assign(search.id);
  const full = await seedGateway(db.db, tenant.id);
  await assign(full.id);
  // An assigned tool named like a gateway tool takes its place.
  const clash = await seedGateway(db.db, tenant.id, { toolExposure: 'search' });
  await assign(clash.id, [{ toolName: 'get-annotated-message', alias: 'search_tools' }]);

  Object.assign(world, {
    tenantSlug: tenant.slug,
    orgInstallationId: org.id,
    orgToken: (await seedApiToken(db.db, tenant.id)).token,
    teamToken: (await seedApiToken(db.db, tenant.id, { scope: 'team', teamId: team.id })).token,
    search: search.slug,
    full: full.slug,
    clash: clash.slug,
  });
  proxy = await h.startProxy();
  const record = proxy.proxy.usage.record.bind(proxy.proxy.usage);
  proxy.proxy.usage.record = (event) => {
    recorded.push(event);
    record(event);
  };
});

afterAll(async () => {
  await h?.close();
  await everything?.close();
});

const url = (gateway: string) => `${proxy.url}/mcp/${world.tenantSlug}/${gateway}`;

async function withClient(gateway: string, run: (client: Client) => Promise<void>, token = world.orgToken) {
  const { client } = await connectClient(url(gateway), token);
  try {
    await run(client);
  } finally {
    await client.close();
  }
}

type Found = { tools: { name: string; title?: string; description: string; inputSchema: object }[] };
const textOf = (result: Record<string, unknown>) =>
  (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');

describe("tool exposure 'search'", () => {
  it('lists only search_tools and call_tool, annotated', () =>
    withClient(world.search, async (client) => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['search_tools', 'call_tool']);
      expect(tools[0]!.annotations).toMatchObject({ readOnlyHint: true });
      expect(tools[1]!.annotations).toMatchObject({ readOnlyHint: false });
      expect(tools[0]!.description).toMatch(/call_tool/);
    }));

  it('search_tools finds echo by a word of its description and ranks it first', () =>
    withClient(world.search, async (client) => {
      await client.listTools(); // the SDK then checks structuredContent against the outputSchema
      // "returns" is in the other tools' descriptions too; echo matches more, and in its name.
      const result = await client.callTool({
        name: 'search_tools',
        arguments: { query: 'something that echoes or returns input' },
      });
      const { tools } = result.structuredContent as Found;
      expect(tools.length).toBeGreaterThan(1);
      expect(tools[0]).toMatchObject({
        name: 'everything__echo',
        description: 'Echoes back the input string',
        inputSchema: { type: 'object' },
      });
      expect(textOf(result)).toContain('everything__echo');
      const browse = await client.callTool({ name: 'search_tools', arguments: { query: '', limit: 2 } });
      expect((browse.structuredContent as Found).tools.map((t) => t.name)).toEqual([
        'everything__echo',
        'everything__get-env',
      ]);
      const none = await client.callTool({ name: 'search_tools', arguments: { query: 'zebra' } });
      expect(none.structuredContent).toEqual({ tools: [] });
    }));

  it('call_tool runs the tool and meters it under its own name', () =>
    withClient(world.search, async (client) => {
      const result = await client.callTool({
        name: 'call_tool',
        arguments: { name: 'everything__echo', arguments: { message: 'via search' } },
      });
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toContain('via search');
      await eventually(() => {
        expect(recorded.find((e) => JSON.stringify(e.request)?.includes('via search'))).toMatchObject({
          method: 'tools/call',
          toolName: 'everything__echo',
          installationId: world.orgInstallationId,
          status: 'ok',
          request: { message: 'via search' },
        });
      });
      // Clients that know a name may still call it directly.
      const direct = await client.callTool({ name: 'everything__echo', arguments: { message: 'direct' } });
      expect(textOf(direct)).toContain('direct');
    }));

  it('answers an unknown or turned-off tool with a tool error naming it', async () => {
    await withClient(world.search, async (client) => {
      const unknown = await client.callTool({ name: 'call_tool', arguments: { name: 'nope__nothing' } });
      expect(unknown).toMatchObject({ isError: true });
      expect(textOf(unknown)).toContain('nope__nothing');
    });
    await withClient(
      world.search,
      async (client) => {
        const off = await client.callTool({
          name: 'call_tool',
          arguments: { name: 'everything__echo', arguments: { message: 'x' } },
        });
        expect(off).toMatchObject({ isError: true });
        expect(textOf(off)).toMatch(/everything__echo is turned off/);
      },
      world.teamToken,
    );
  });

  it('answers malformed arguments with a tool error saying what to fix', () =>
    withClient(world.search, async (client) => {
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['call_tool', {}, /"name" \(the tool to call\) is required/],
        ['call_tool', { name: 'everything__echo', arguments: 'hi' }, /"arguments" must be an object/],
        ['call_tool', { name: 'everything__echo', arguments: [1] }, /"arguments" must be an object/],
        ['search_tools', {}, /"query" \(a string\) is required/],
        ['search_tools', { query: 'echo', limit: 51 }, /"limit" must be an integer from 1 to 50/],
      ];
      for (const [name, args, message] of cases) {
        const result = await client.callTool({ name, arguments: args });
        expect(result.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
        expect(textOf(result)).toMatch(message);
      }
    }));

  it('serves the legacy HTTP+SSE transport alike', async () => {
    const { client } = await connectLegacyClient(`${url(world.search)}/sse`, world.orgToken);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['search_tools', 'call_tool']);
      const found = await client.callTool({ name: 'search_tools', arguments: { query: 'echo' } });
      expect((found.structuredContent as Found).tools[0]?.name).toBe('everything__echo');
      const result = await client.callTool({
        name: 'call_tool',
        arguments: { name: 'everything__echo', arguments: { message: 'legacy' } },
      });
      expect(textOf(result)).toContain('legacy');
    } finally {
      await client.close();
    }
  });

  it('lets an assigned tool named like a gateway tool win', () =>
    withClient(world.clash, async (client) => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['search_tools', 'call_tool']);
      expect(tools[0]!.description).not.toMatch(/call_tool/);
      const assigned = await client.callTool({ name: 'search_tools', arguments: { messageType: 'success' } });
      expect(assigned.structuredContent).toBeUndefined();
      const viaCall = await client.callTool({
        name: 'call_tool',
        arguments: { name: 'everything__echo', arguments: { message: 'still here' } },
      });
      expect(textOf(viaCall)).toContain('still here');
    }));
});

describe("tool exposure 'full'", () => {
  it('lists every assigned tool and has no gateway tools', () =>
    withClient(world.full, async (client) => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(ASSIGNED.map((n) => `everything__${n}`).sort());
      await expect(
        client.callTool({ name: 'call_tool', arguments: { name: 'everything__echo' } }),
      ).rejects.toMatchObject({ code: RPC.INVALID_PARAMS, message: /Unknown tool: call_tool/ });
    }));
});
