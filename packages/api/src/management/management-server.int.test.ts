import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Bus, UsageConsumer } from '@toolgate/bus';
import type { UsageEvent } from '@toolgate/core/usage';
import { applyUsageBatch } from '@toolgate/db/usage';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { createLogger } from '@toolgate/core/logger';
import { registryEntries } from '@toolgate/db/schema';
import { seedApiToken, seedRegistryEntry } from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
// The proxy package exports only its entry points; its test harness is reached by path.
import {
  connectClient,
  createHarness,
  type Harness,
  type RunningProxy,
} from '@toolgate/proxy/testing/harness';
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogMailer } from '../mail/log-mailer.ts';
import type { Gateway } from '../schemas/gateways.ts';
import { createGateway } from '../services/create-gateway.ts';
import { createInstallation } from '../services/create-installation.ts';
import { listAuditEvents } from '../services/list-audit-events.ts';
import { seedCatalog } from '../services/seed-catalog.ts';
import { setGatewayAssignments } from '../services/set-gateway-assignments.ts';
import { seedOrg, type SeededOrg } from '../testing/api-test-env.ts';
import { ManagementServer, MANAGEMENT_SERVER_SLUG } from './management-server.ts';
import { MANAGEMENT_TOOLS } from './tools.ts';

/*
 * The built-in management server through a real proxy, with the MCP SDK client: installed from
 * the catalog like any server, its tools assigned to a gateway, each call running as the caller
 * with the caller's role, refusals as tool errors, every call in the audit log.
 */

const secretSpec = generateKeySpec('mgmt');
/** Where clients are told to connect: gateway URLs in tool results use it. */
const PUBLIC_MCP_URL = 'https://mcp.example.test';
let h: Harness;
let everything: RunningEverythingServer;
let proxy: RunningProxy;
let bus: Bus;
let usage: UsageConsumer;
let org: SeededOrg;
let other: SeededOrg;
let ops: Gateway;
let managementInstallationId: string;
let everythingEntryId: string;
const clients: Client[] = [];

const textOf = (result: Awaited<ReturnType<Client['callTool']>>) =>
  (result.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');

async function client(gatewaySlug: string, token: string, tenant = org): Promise<Client> {
  const { client: c } = await connectClient(`${proxy.url}/mcp/${tenant.tenant.slug}/${gatewaySlug}`, token);
  clients.push(c);
  return c;
}

/** Installs the catalog's management server in `tenant` and exposes every tool on gateway "ops". */
async function exposeManagement(tenant: SeededOrg): Promise<{ gateway: Gateway; installationId: string }> {
  const deps = { db: h.db.db, bus, tenantId: tenant.tenant.id, actor: tenant.actors.admin };
  const [entry] = await h.db.db
    .select()
    .from(registryEntries)
    .where(and(eq(registryEntries.slug, MANAGEMENT_SERVER_SLUG), isNull(registryEntries.tenantId)));
  const installed = await createInstallation({
    ...deps,
    allowPrivate: false,
    allowStdio: false,
    input: { registryEntryId: entry!.id, scope: 'org' },
  });
  expect(installed.installation.status).toBe('ready');
  const gateway = await createGateway({ ...deps, input: { slug: 'ops', name: 'Ops' } });
  await setGatewayAssignments({
    ...deps,
    gatewayId: gateway.id,
    input: {
      assignments: installed.tools.map((t) => ({ registryEntryId: entry!.id, toolName: t.name })),
    },
  });
  return { gateway, installationId: installed.installation.id };
}

beforeAll(async () => {
  [h, everything] = await Promise.all([
    createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') }),
    startEverythingServer('streamableHttp'),
  ]);
  proxy = await h.startProxy({
    TOOLGATE_SECRET_KEYS: secretSpec,
    TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: 'true',
    PUBLIC_MCP_URL: PUBLIC_MCP_URL,
  });
  bus = h.newBus();
  // The worker's part: usage batches from the proxy become audit events.
  usage = bus.usage.consume(async (batch) => {
    await applyUsageBatch(h.db.db, { id: batch.id, events: batch.events as UsageEvent[] });
  });
  await seedCatalog({ db: h.db.db });
  [org, other] = await Promise.all([seedOrg(h.db), seedOrg(h.db)]);
  ({ gateway: ops, installationId: managementInstallationId } = await exposeManagement(org));
  const entry = await seedRegistryEntry(h.db.db, org.tenant.id, { slug: 'everything', url: everything.url });
  everythingEntryId = entry.id;
  await createInstallation({
    db: h.db.db,
    bus,
    tenantId: org.tenant.id,
    actor: org.actors.admin,
    allowPrivate: true,
    allowStdio: false,
    input: { registryEntryId: entry.id, scope: 'org' },
  });
});

afterAll(async () => {
  await usage?.close();
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await bus?.close();
  await h?.close();
  await everything?.close();
});

describe('the management server, installed from the catalog', () => {
  it('lists every management tool with a description and annotations', async () => {
    const admin = await client('ops', org.adminToken);
    const { tools } = await admin.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual(MANAGEMENT_TOOLS.map((t) => `toolgate__${t.name}`).sort());
    const create = tools.find((t) => t.name === 'toolgate__create_gateway')!;
    expect(create.description).toMatch(/Creates a gateway/);
    expect(create.inputSchema.required).toEqual(expect.arrayContaining(['slug', 'name']));
    expect(create.annotations?.readOnlyHint).toBe(false);
    const setTools = tools.find((t) => t.name === 'toolgate__set_gateway_tools')!;
    expect(setTools.inputSchema.required).toEqual(expect.arrayContaining(['gatewayId', 'assignments']));
    expect(tools.find((t) => t.name === 'toolgate__list_gateways')!.annotations?.readOnlyHint).toBe(true);
  });
});

describe('an admin manages the workspace through a gateway', () => {
  it('creates a gateway, assigns a tool to it, and a client of that gateway calls the tool', async () => {
    const admin = await client('ops', org.adminToken);
    const created = await admin.callTool({
      name: 'toolgate__create_gateway',
      arguments: { slug: 'made-by-mcp', name: 'Made by MCP' },
    });
    expect(created.isError ?? false, textOf(created)).toBe(false);
    const gateway = created.structuredContent as { id: string; url: string };
    expect(gateway.url).toBe(`${PUBLIC_MCP_URL}/mcp/${org.tenant.slug}/made-by-mcp`);

    const installations = await admin.callTool({ name: 'toolgate__list_installations', arguments: {} });
    expect(textOf(installations)).toContain('"echo"');

    const assigned = await admin.callTool({
      name: 'toolgate__set_gateway_tools',
      arguments: {
        gatewayId: gateway.id,
        assignments: [{ registryEntryId: everythingEntryId, toolName: 'echo' }],
      },
    });
    expect(assigned.isError ?? false, textOf(assigned)).toBe(false);
    expect((assigned.structuredContent as { exposedTools: string[] }).exposedTools).toEqual([
      'everything__echo',
    ]);

    const user = await client('made-by-mcp', org.adminToken);
    await eventually(async () => {
      const { tools } = await user.listTools();
      expect(tools.map((t) => t.name)).toEqual(['everything__echo']);
    });
    const echoed = await user.callTool({ name: 'everything__echo', arguments: { message: 'hi' } });
    expect(textOf(echoed)).toContain('hi');
  });

  it('answers bad input with a tool error naming the field', async () => {
    const admin = await client('ops', org.adminToken);
    const result = await admin.callTool({
      name: 'toolgate__create_gateway',
      arguments: { slug: 'Not A Slug!', name: 'x' },
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/slug/);
    const badId = await admin.callTool({ name: 'toolgate__get_gateway', arguments: { gatewayId: 'nope' } });
    expect(badId.isError).toBe(true);
    expect(textOf(badId)).toMatch(/gatewayId must be an id/);
  });
});

describe('each tool runs with the caller’s role', () => {
  it("refuses a member's create_gateway with a clear tool error, and lets them read", async () => {
    const memberToken = (
      await seedApiToken(h.db.db, org.tenant.id, {
        scope: 'user',
        userId: org.member.id,
        capabilities: ['mcp', 'admin'],
      })
    ).token;
    const member = await client('ops', memberToken);
    const refused = await member.callTool({
      name: 'toolgate__create_gateway',
      arguments: { slug: 'members-gateway', name: 'Nope' },
    });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/Only owners and admins may/);
    const listed = await member.callTool({ name: 'toolgate__list_gateways', arguments: {} });
    expect(listed.isError ?? false).toBe(false);
    expect(textOf(listed)).toContain('"ops"');

    // Both calls are in the audit log, the refusal as a tool error.
    await eventually(async () => {
      const page = await listAuditEvents({
        db: h.db.db,
        tenantId: org.tenant.id,
        actor: org.actors.admin,
        input: { tool: 'toolgate__create_gateway' },
      });
      const statuses = page.events.map((e) => e.status).sort();
      expect(statuses).toEqual(expect.arrayContaining(['ok', 'tool_error']));
    });
  });

  it("refuses changes through an admin's API token without the admin capability", async () => {
    const mcpOnly = (
      await seedApiToken(h.db.db, org.tenant.id, {
        scope: 'user',
        userId: org.admin.id,
        capabilities: ['mcp'],
      })
    ).token;
    const admin = await client('ops', mcpOnly);
    const refused = await admin.callTool({
      name: 'toolgate__create_gateway',
      arguments: { slug: 'token-gateway', name: 'Nope' },
    });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/lacks the "admin" capability/);
  });

  it("never reaches another tenant's objects", async () => {
    const server = new ManagementServer({
      db: h.db.db,
      bus,
      publicMcpUrl: proxy.url,
      publicWebUrl: 'http://localhost:3000',
      mailer: createLogMailer({ log: createLogger({ name: 'mgmt-test', level: 'silent', pretty: false }) }),
      secretKeys: parseKeyRing(secretSpec),
    });
    const asOther = { tenantId: other.tenant.id, userId: other.admin.id };
    const foreign = await server.call(asOther, 'get_gateway', { gatewayId: ops.id });
    expect(foreign.isError).toBe(true);
    expect(foreign.content[0]!.text).toMatch(/not found/i);
    const rename = await server.call(asOther, 'rotate_installation_credentials', {
      installationId: managementInstallationId,
      name: 'stolen',
    });
    expect(rename.isError).toBe(true);
    expect(rename.content[0]!.text).toMatch(/not found/i);
    // A user who is not a member of the tenant named is refused before any route runs.
    const stranger = await server.call(
      { tenantId: org.tenant.id, userId: other.admin.id },
      'list_gateways',
      {},
    );
    expect(stranger.isError).toBe(true);
    expect(stranger.content[0]!.text).toMatch(/no longer a member/);
  });
});
