import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { UsageEvent } from '@toolgate/core/usage';
import { teams, tools as toolsTable } from '@toolgate/db/schema';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedMember,
  seedPolicy,
  seedRegistryEntry,
  seedTeam,
  seedTenant,
} from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createHarness,
  discoverAndSeedTools,
  rpc,
  type Harness,
  type RunningProxy,
} from './testing/harness.ts';

/**
 * Tool-call policies through real proxies and the MCP SDK client: deny by argument, by team, by
 * agent; identity-aware listing; call_tool held to the same policies; the untrusted-context rule
 * across replicas; a caller's confirmation through elicitation; every decision on the audit event.
 */
let h: Harness;
let everything: RunningEverythingServer;
let proxy: RunningProxy;
let other: RunningProxy;
const recorded: UsageEvent[] = [];
const w = {} as {
  full: string;
  search: string;
  ann: string;
  bob: string;
  policy: Record<'bigSum' | 'finance' | 'agent' | 'trifecta' | 'confirm', string>;
};

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  everything = await startEverythingServer('streamableHttp');
  const { db } = h;
  const tenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'everything', url: everything.url });
  const org = await seedInstallation(db.db, tenant.id, entry.id);
  await discoverAndSeedTools(db, tenant.id, org.id, { url: everything.url });
  const label = (name: string, labels: string[]) =>
    db.db
      .update(toolsTable)
      .set({ labels })
      .where(and(eq(toolsTable.installationId, org.id), eq(toolsTable.name, name)));
  await label('get-env', ['untrusted-output']);
  await label('echo', ['external-send']);
  const tools = ['echo', 'get-sum', 'get-env', 'get-tiny-image'];
  const full = await seedGateway(db.db, tenant.id);
  const search = await seedGateway(db.db, tenant.id, { toolExposure: 'search' });
  for (const g of [full, search])
    await seedAssignments(
      db.db,
      tenant.id,
      g.id,
      tools.map((toolName) => ({ registryEntryId: entry.id, toolName })),
    );
  const ann = await seedMember(db.db, tenant.id);
  const bob = await seedMember(db.db, tenant.id);
  const finance = await seedTeam(db.db, tenant.id, [ann.id]);
  await db.db.update(teams).set({ slug: 'finance' }).where(eq(teams.id, finance.id));
  const policy = async (condition: string, extra: Record<string, unknown> = {}) =>
    (await seedPolicy(db.db, tenant.id, { condition, message: `refused: ${condition}`, ...extra })).id;
  w.policy = {
    bigSum: await policy('tool.name == "get-sum" && args.a > 100', { priority: 10 }),
    finance: await policy('tool.name == "get-tiny-image" && !("finance" in caller.teams)'),
    agent: await policy('caller.client == "evil-agent" && tool.name == "echo"'),
    trifecta: await policy('"external-send" in tool.labels && session.tainted'),
    confirm: await policy('tool.name == "get-sum" && args.a == 7', {
      action: 'require_approval',
      approvers: 'caller',
    }),
  };
  w.full = `/mcp/${tenant.slug}/${full.slug}`;
  w.search = `/mcp/${tenant.slug}/${search.slug}`;
  w.ann = (await seedApiToken(db.db, tenant.id, { scope: 'user', userId: ann.id })).token;
  w.bob = (await seedApiToken(db.db, tenant.id, { scope: 'user', userId: bob.id })).token;
  proxy = await h.startProxy();
  other = await h.startProxy();
  for (const p of [proxy, other]) {
    const record = p.proxy.usage.record.bind(p.proxy.usage);
    p.proxy.usage.record = (event) => {
      recorded.push(event);
      record(event);
    };
  }
});

afterAll(async () => {
  await h?.close();
  await everything?.close();
});

async function connect(
  token: string,
  path = w.full,
  name = 'test-client',
  elicit?: (params: Record<string, unknown>) => Record<string, unknown>,
) {
  const client = new Client({ name, version: '1' }, { capabilities: elicit ? { elicitation: {} } : {} });
  if (elicit) client.setRequestHandler(ElicitRequestSchema, (request) => elicit(request.params) as never);
  const transport = new StreamableHTTPClientTransport(new URL(proxy.url + path), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return { client, transport };
}

const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;

async function audited(policyId: string): Promise<UsageEvent> {
  const find = () => recorded.find((e) => e.policyOutcome?.includes(policyId));
  await eventually(() => expect(find()).toBeDefined());
  return find()!;
}

describe('tool-call policies', () => {
  it('deny by argument: the model gets the message as a tool error; the audit event says which policy', async () => {
    const { client } = await connect(w.ann);
    expect(text(await client.callTool({ name: 'everything__get-sum', arguments: { a: 1, b: 2 } }))).toContain(
      '3',
    );
    const refused = await client.callTool({ name: 'everything__get-sum', arguments: { a: 500, b: 2 } });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toBe('refused: tool.name == "get-sum" && args.a > 100');
    const event = await audited(w.policy.bigSum);
    expect(event).toMatchObject({
      status: 'denied',
      policyOutcome: `deny:policy:${w.policy.bigSum}`,
      toolName: 'everything__get-sum',
    });
    await client.close();
  });

  it('deny by team: hidden from the lists of those it denies, refused if they call it anyway', async () => {
    const ann = await connect(w.ann);
    const bob = await connect(w.bob);
    const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name);
    expect(await names(ann.client)).toContain('everything__get-tiny-image');
    expect(await names(bob.client)).not.toContain('everything__get-tiny-image');
    expect(await names(bob.client)).toContain('everything__get-sum');
    const refused = await bob.client.callTool({ name: 'everything__get-tiny-image', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(
      (await ann.client.callTool({ name: 'everything__get-tiny-image', arguments: {} })).isError,
    ).toBeFalsy();
    await Promise.all([ann.client.close(), bob.client.close()]);
  });

  it('deny by agent: the client the caller uses', async () => {
    const evil = await connect(w.ann, w.full, 'evil-agent');
    const fine = await connect(w.ann, w.full, 'claude-desktop');
    expect(
      (await evil.client.callTool({ name: 'everything__echo', arguments: { message: 'x' } })).isError,
    ).toBe(true);
    expect(
      text(await fine.client.callTool({ name: 'everything__echo', arguments: { message: 'x' } })),
    ).toContain('x');
    await Promise.all([evil.client.close(), fine.client.close()]);
  });

  it('call_tool is held to the same policies, and search_tools finds no tool the caller is denied', async () => {
    const bob = await connect(w.bob, w.search);
    const viaCallTool = await bob.client.callTool({
      name: 'call_tool',
      arguments: { name: 'everything__get-sum', arguments: { a: 500, b: 1 } },
    });
    expect(viaCallTool.isError).toBe(true);
    expect(text(viaCallTool)).toContain('args.a > 100');
    const found = await bob.client.callTool({
      name: 'search_tools',
      arguments: { query: 'image', limit: 10 },
    });
    const names = (found.structuredContent as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).not.toContain('everything__get-tiny-image');
    await bob.client.close();
  });

  it('taints the session after an untrusted-output tool: external-send refused then, on any replica', async () => {
    const { client, transport } = await connect(w.ann);
    expect(
      (await client.callTool({ name: 'everything__echo', arguments: { message: 'before' } })).isError,
    ).toBeFalsy();
    expect((await client.callTool({ name: 'everything__get-env', arguments: {} })).isError).toBeFalsy();
    const refused = await client.callTool({ name: 'everything__echo', arguments: { message: 'after' } });
    expect(text(refused)).toContain('session.tainted');
    // The same session on the other replica knows it too.
    const onOther = await rpc(
      other.url + w.full,
      {
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'everything__echo', arguments: { message: 'y' } },
      },
      {
        authorization: `Bearer ${w.ann}`,
        'mcp-session-id': transport.sessionId!,
        'mcp-protocol-version': '2025-11-25',
      },
    );
    expect((onOther.json as { result: { isError?: boolean } }).result.isError).toBe(true);
    // A new session starts clean.
    const fresh = await connect(w.ann);
    expect(
      (await fresh.client.callTool({ name: 'everything__echo', arguments: { message: 'new' } })).isError,
    ).toBeFalsy();
    await Promise.all([client.close(), fresh.client.close()]);
  });

  it('asks the caller to confirm through elicitation: approved goes through, declined does not', async () => {
    const asked: Record<string, unknown>[] = [];
    const yes = await connect(w.ann, w.full, 'test-client', (params) => {
      asked.push(params);
      return { action: 'accept', content: { approve: true } };
    });
    expect(
      text(await yes.client.callTool({ name: 'everything__get-sum', arguments: { a: 7, b: 1 } })),
    ).toContain('8');
    expect(asked[0]).toMatchObject({ mode: 'form', message: expect.any(String) as string });
    expect(String(asked[0]!.message)).toContain('everything__get-sum');
    const no = await connect(w.ann, w.full, 'test-client', () => ({ action: 'decline' }));
    const declined = await no.client.callTool({ name: 'everything__get-sum', arguments: { a: 7, b: 1 } });
    expect(declined.isError).toBe(true);
    expect(text(declined)).toContain('did not confirm');
    const cannot = await connect(w.ann);
    const unasked = await cannot.client.callTool({ name: 'everything__get-sum', arguments: { a: 7, b: 1 } });
    expect(text(unasked)).toContain('cannot show');
    expect(recorded.some((e) => e.policyOutcome === `approved:caller:${w.policy.confirm}`)).toBe(true);
    expect(
      recorded.some((e) => e.policyOutcome === `deny:declined:${w.policy.confirm}` && e.status === 'denied'),
    ).toBe(true);
    await Promise.all([yes.client.close(), no.client.close(), cannot.client.close()]);
  });
});
