import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { handleRestRequest } from '@toolgate/api/rest/handle-rest-request';
import { createOutboxMailer } from '@toolgate/api/testing/outbox-mailer';
import type { UsageEvent } from '@toolgate/core/usage';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedMember,
  seedPolicy,
  seedRegistryEntry,
  seedTenant,
} from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, discoverAndSeedTools, type Harness, type RunningProxy } from './testing/harness.ts';

/**
 * Calls a require_approval policy holds for the workspace's admins: held on one proxy, decided over
 * the REST API (which publishes the decision on the bus), the call goes on or is refused there; no
 * decision in time tells the model the request id, and the same call retried after approval
 * passes once.
 */
let h: Harness;
let everything: RunningEverythingServer;
let holding: RunningProxy;
let quick: RunningProxy;
const recorded: UsageEvent[] = [];
const w = {} as { path: string; member: string; admin: string; policy: string };

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  everything = await startEverythingServer('streamableHttp');
  const { db } = h;
  const tenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'everything', url: everything.url });
  const org = await seedInstallation(db.db, tenant.id, entry.id);
  await discoverAndSeedTools(db, tenant.id, org.id, { url: everything.url });
  const gateway = await seedGateway(db.db, tenant.id);
  await seedAssignments(db.db, tenant.id, gateway.id, [{ registryEntryId: entry.id, toolName: 'get-sum' }]);
  w.policy = (
    await seedPolicy(db.db, tenant.id, {
      name: 'big sums',
      condition: 'tool.name == "get-sum" && args.a >= 1000',
      action: 'require_approval',
      approvers: 'admins',
      message: 'Sums of 1000 or more need an admin.',
    })
  ).id;
  const member = await seedMember(db.db, tenant.id);
  const admin = await seedMember(db.db, tenant.id, 'admin');
  w.member = (await seedApiToken(db.db, tenant.id, { scope: 'user', userId: member.id })).token;
  w.admin = (
    await seedApiToken(db.db, tenant.id, { scope: 'user', userId: admin.id, capabilities: ['mcp', 'admin'] })
  ).token;
  w.path = `/mcp/${tenant.slug}/${gateway.slug}`;
  holding = await h.startProxy();
  quick = await h.startProxy({ APPROVAL_HOLD_MS: '1500' });
  for (const p of [holding, quick]) {
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

/** The REST API in process, with a bus of its own (as the web app would be, on another machine). */
async function rest(method: string, path: string, body?: unknown) {
  const bus = h.newBus();
  try {
    const res = await handleRestRequest(
      new Request(`http://toolgate.test/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${w.admin}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
      {
        db: h.db.db,
        bus,
        publicMcpUrl: 'http://127.0.0.1',
        publicWebUrl: 'http://127.0.0.1:3000',
        mailer: createOutboxMailer(),
      },
    );
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  } finally {
    await bus.close();
  }
}

async function pendingId(): Promise<string> {
  let id: string | undefined;
  await eventually(async () => {
    const { json } = await rest('GET', '/approvals?status=pending');
    const items = (json.approvals ?? []) as { id: string }[];
    id = items[0]?.id;
    expect(id).toBeDefined();
  });
  return id!;
}

async function connect(proxy: RunningProxy) {
  const client = new Client({ name: 'approvals-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(proxy.url + w.path), {
      requestInit: { headers: { authorization: `Bearer ${w.member}` } },
    }),
  );
  return client;
}

const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;

describe('approvals by admins', () => {
  it('holds the call on one proxy until an admin approves it over REST (the web app, elsewhere)', async () => {
    const client = await connect(holding);
    const call = client.callTool({ name: 'everything__get-sum', arguments: { a: 1000, b: 1 } }, undefined, {
      timeout: 30_000,
    });
    const id = await pendingId();
    const { json: request } = await rest('GET', `/approvals/${id}`);
    expect(request).toMatchObject({
      tool: 'everything__get-sum',
      status: 'pending',
      args: { a: 1000, b: 1 },
      policy: { id: w.policy, name: 'big sums' },
      agent: 'approvals-test',
      canDecide: true,
    });
    const decided = await rest('POST', `/approvals/${id}/decision`, { decision: 'approve', note: 'fine' });
    expect(decided.status).toBe(200);
    expect(text(await call)).toContain('1001');
    await eventually(() =>
      expect(recorded.some((e) => e.policyOutcome === `approved:${id}` && e.status === 'ok')).toBe(true),
    );
    await client.close();
  });

  it('a denial reaches the held call with the approver’s note', async () => {
    const client = await connect(holding);
    const call = client.callTool({ name: 'everything__get-sum', arguments: { a: 2000, b: 1 } }, undefined, {
      timeout: 30_000,
    });
    const id = await pendingId();
    await rest('POST', `/approvals/${id}/decision`, { decision: 'deny', note: 'not today' });
    const result = await call;
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('not today');
    await client.close();
  });

  it('no decision in time: the model gets the request id; the same call after approval passes once', async () => {
    const client = await connect(quick);
    const first = await client.callTool({ name: 'everything__get-sum', arguments: { a: 3000, b: 1 } });
    expect(first.isError).toBe(true);
    const id = /request ([0-9a-f-]{36})/.exec(text(first))![1]!;
    expect(recorded.some((e) => e.policyOutcome === `pending_approval:${id}`)).toBe(true);
    await rest('POST', `/approvals/${id}/decision`, { decision: 'approve', note: '' });
    expect(
      text(await client.callTool({ name: 'everything__get-sum', arguments: { a: 3000, b: 1 } })),
    ).toContain('3001');
    // Once: the next identical call is held again (and times out again).
    const again = await client.callTool({ name: 'everything__get-sum', arguments: { a: 3000, b: 1 } });
    expect(again.isError).toBe(true);
    expect(text(again)).toContain('awaits approval');
    await client.close();
  });
});
