import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { seal } from '@toolgate/core/crypto';
import { guardrailSecretAad, type ExternalGuardrailRequest } from '@toolgate/core/dlp';
import type { UsageEvent } from '@toolgate/core/usage';
import { verifySignature } from '@toolgate/core/webhook-signature';
import { guardrailGateways, guardrails } from '@toolgate/db/schema';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
} from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  connectClient,
  createHarness,
  discoverAndSeedTools,
  seedServerGateway,
  type Harness,
  type RunningProxy,
} from './testing/harness.ts';
import { startTasksUpstream } from './testing/tasks-upstream.ts';

/**
 * Guardrails through a real proxy and the MCP SDK client against the `everything` server: redact
 * and block in both directions, log-only findings kept out of the audit, a tenant pattern, an
 * external guardrail (signed request; deny, modify, allow) and its fail modes, call_tool held to
 * the same guardrails, and the outcome with findings by detector on every audit event.
 */
let h: Harness;
let everything: RunningEverythingServer;
let proxy: RunningProxy;
let external: Server;
let tasksUpstream: Awaited<ReturnType<typeof startTasksUpstream>>;
let tasks: { path: string; token: string };
const externalRequests: { body: ExternalGuardrailRequest; signed: boolean }[] = [];
const recorded: UsageEvent[] = [];
const SECRET = 'tgs_guardrail-test-secret';
const paths: Record<string, string> = {};
let token: string;

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  everything = await startEverythingServer('streamableHttp');
  external = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(text) as ExternalGuardrailRequest;
      const header = req.headers['toolgate-signature'];
      const signed = verifySignature(SECRET, text, typeof header === 'string' ? header : undefined).ok;
      externalRequests.push({ body, signed });
      const value = JSON.stringify(body.value);
      const verdict = !signed
        ? { action: 'deny', message: 'bad signature' }
        : value.includes('forbidden')
          ? { action: 'deny', message: 'forbidden topic' }
          : body.direction === 'results' && value.includes('rewrite-me')
            ? { action: 'modify', value: { content: [{ type: 'text', text: 'rewritten by policy' }] } }
            : { action: 'allow' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(verdict));
    });
  });
  await new Promise<void>((resolve) => external.listen(0, '127.0.0.1', resolve));
  const externalUrl = `http://127.0.0.1:${(external.address() as AddressInfo).port}/check`;

  const { db } = h;
  const tenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'everything', url: everything.url });
  const org = await seedInstallation(db.db, tenant.id, entry.id);
  await discoverAndSeedTools(db, tenant.id, org.id, { url: everything.url });
  token = (await seedApiToken(db.db, tenant.id)).token;

  const gateway = async (
    name: string,
    guards: Partial<typeof guardrails.$inferInsert>[],
    exposure?: 'search',
  ) => {
    const g = await seedGateway(db.db, tenant.id, exposure ? { toolExposure: exposure } : {});
    await seedAssignments(db.db, tenant.id, g.id, [{ registryEntryId: entry.id, toolName: 'echo' }]);
    for (const [i, guard] of guards.entries()) {
      const [row] = await db.db
        .insert(guardrails)
        .values({
          tenantId: tenant.id,
          name: `${name}-${i}`,
          allGateways: false,
          direction: 'both',
          action: 'redact',
          ...guard,
        })
        .returning();
      if (guard.externalUrl)
        await db.db
          .update(guardrails)
          .set({ externalSecretSealed: seal(h.secretKeys, SECRET, guardrailSecretAad(row!.id)) })
          .where(eqId(row!.id));
      await db.db
        .insert(guardrailGateways)
        .values({ tenantId: tenant.id, guardrailId: row!.id, gatewayId: g.id });
    }
    paths[name] = `/mcp/${tenant.slug}/${g.slug}`;
  };
  await gateway('redact', [{ direction: 'arguments', detectors: ['email'], action: 'redact' }]);
  await gateway('block', [{ direction: 'both', detectors: ['card'], action: 'block' }]);
  await gateway('blockSearch', [{ direction: 'both', detectors: ['card'], action: 'block' }], 'search');
  await gateway('results', [
    { direction: 'results', detectors: [], patterns: [{ name: 'codeword', pattern: 'secretword-\\d+' }] },
    { direction: 'results', detectors: ['iban'], action: 'block' },
  ]);
  await gateway('log', [{ direction: 'both', detectors: ['ip'], action: 'log' }]);
  await gateway('external', [
    { direction: 'both', detectors: [], action: 'log', externalUrl, externalFailMode: 'closed' },
  ]);
  const dead = 'http://127.0.0.1:9/never';
  await gateway('closed', [
    { direction: 'arguments', action: 'log', externalUrl: dead, externalTimeoutMs: 500 },
  ]);
  await gateway('open', [
    {
      direction: 'arguments',
      action: 'log',
      externalUrl: dead,
      externalTimeoutMs: 500,
      externalFailMode: 'open',
    },
  ]);
  tasksUpstream = await startTasksUpstream();
  const seeded = await seedServerGateway(h, {
    server: 'jobs',
    upstream: { url: tasksUpstream.url },
    gateway: 'tasks',
    tools: [{ toolName: 'slow_echo', alias: 'echo' }],
  });
  await db.db.insert(guardrails).values({
    tenantId: seeded.tenant.id,
    name: 'task results',
    direction: 'results',
    detectors: ['email'],
    action: 'redact',
  });
  tasks = { path: seeded.path, token: seeded.token };
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
  await tasksUpstream?.close();
  await new Promise((resolve) => external?.close(resolve));
});

const eqId = (id: string) => eq(guardrails.id, id);

async function echo(path: string, message: string, name = 'everything__echo') {
  const client = new Client({ name: 'guardrail-test', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(proxy.url + path), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  try {
    const args = name === 'call_tool' ? { name: 'everything__echo', arguments: { message } } : { message };
    const result = await client.callTool({ name, arguments: args });
    return { isError: result.isError === true, text: (result.content as { text: string }[])[0]!.text };
  } finally {
    await client.close();
  }
}

/** The audit event of the tools/call whose arguments (as audited) contain `marker`. */
async function audited(marker: string): Promise<UsageEvent> {
  const find = () =>
    recorded.find((e) => e.method === 'tools/call' && JSON.stringify(e.request ?? '').includes(marker));
  await eventually(() => expect(find()).toBeDefined());
  return find()!;
}

describe('guardrails', () => {
  it('redacts arguments before they reach the upstream, and audits the redacted copy', async () => {
    const answer = await echo(paths.redact!, 'r1 write to ann@example.com please');
    expect(answer).toEqual({ isError: false, text: 'Echo: r1 write to [REDACTED:email] please' });
    const event = await audited('r1 write');
    expect(event).toMatchObject({ dlpOutcome: 'redacted', dlpFindings: { email: 1 }, status: 'ok' });
    expect(JSON.stringify(event)).not.toContain('ann@example.com');
  });

  it('blocks arguments with a card (Luhn-valid only), naming the detector, never the number', async () => {
    const ok = await echo(paths.block!, 'b0 order 4111 1111 1111 1112');
    expect(ok).toEqual({ isError: false, text: 'Echo: b0 order 4111 1111 1111 1112' });
    const refused = await echo(paths.block!, 'b1 card 4111 1111 1111 1111');
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('card (1)');
    expect(refused.text).not.toContain('4111');
    const event = await audited('b1 card');
    expect(event).toMatchObject({ dlpOutcome: 'blocked', dlpFindings: { card: 1 }, status: 'denied' });
    expect(JSON.stringify(event.request)).toContain('[REDACTED:card]');
    expect(JSON.stringify(event)).not.toContain('4111 1111 1111 1111');
    const clean = await audited('b0 order');
    expect(clean).toMatchObject({ dlpOutcome: 'none', status: 'ok' });
  });

  it('holds call_tool to the same guardrails as a direct call', async () => {
    const refused = await echo(paths.blockSearch!, 'c1 card 4111 1111 1111 1111', 'call_tool');
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('card (1)');
    expect(await audited('c1 card')).toMatchObject({ dlpOutcome: 'blocked', toolName: 'everything__echo' });
  });

  it('redacts results with a tenant pattern and blocks results with an IBAN', async () => {
    expect(await echo(paths.results!, 'p1 the secretword-42 is out')).toEqual({
      isError: false,
      text: 'Echo: p1 the [REDACTED:custom:codeword] is out',
    });
    const event = await audited('p1 the');
    expect(event).toMatchObject({ dlpOutcome: 'redacted', dlpFindings: { custom: 1 } });
    // Arguments are not looked at by a results guardrail: the audit keeps them as they were.
    expect(JSON.stringify(event.request)).toContain('secretword-42');
    expect(JSON.stringify(event.response)).not.toContain('secretword-42');

    const blocked = await echo(paths.results!, 'p2 pay GB82 WEST 1234 5698 7654 32');
    expect(blocked.isError).toBe(true);
    expect(blocked.text).toMatch(/blocked this call: its result contain iban \(1\)/);
    expect(await audited('p2 pay')).toMatchObject({ dlpOutcome: 'blocked', status: 'denied' });
  });

  it('log forwards unchanged but keeps the finding out of the audit', async () => {
    expect(await echo(paths.log!, 'l1 host 10.1.2.3 is down')).toEqual({
      isError: false,
      text: 'Echo: l1 host 10.1.2.3 is down',
    });
    const event = await audited('l1 host');
    expect(event).toMatchObject({ dlpOutcome: 'logged', dlpFindings: { ip: 2 } });
    expect(JSON.stringify(event)).not.toContain('10.1.2.3');
  });

  it('asks an external guardrail with a signed request: deny, modify and allow', async () => {
    const denied = await echo(paths.external!, 'e1 a forbidden subject');
    expect(denied).toEqual({
      isError: true,
      text: 'Guardrail "external-0" refused this call: forbidden topic',
    });
    expect(await audited('e1 a')).toMatchObject({ dlpOutcome: 'blocked', dlpFindings: { external: 1 } });

    expect(await echo(paths.external!, 'e2 rewrite-me')).toEqual({
      isError: false,
      text: 'rewritten by policy',
    });
    expect(await audited('e2 rewrite')).toMatchObject({
      dlpOutcome: 'redacted',
      dlpFindings: { external: 1 },
    });

    expect(await echo(paths.external!, 'e3 hello')).toEqual({ isError: false, text: 'Echo: e3 hello' });
    expect(await audited('e3 hello')).toMatchObject({ dlpOutcome: 'none' });

    const asked = externalRequests.filter((r) => JSON.stringify(r.body.value).includes('e3 hello'));
    expect(asked.map((r) => [r.body.direction, r.signed])).toEqual([
      ['arguments', true],
      ['results', true],
    ]);
    expect(asked[0]!.body).toMatchObject({
      version: 1,
      guardrail: { name: 'external-0' },
      tool: { name: 'echo', exposedName: 'everything__echo', server: 'everything' },
      value: { message: 'e3 hello' },
    });
  });

  it('an unreachable external guardrail refuses the call when closed, lets it go when open', async () => {
    const closed = await echo(paths.closed!, 'f1 closed');
    expect(closed.isError).toBe(true);
    expect(closed.text).toContain('could not check the arguments');
    expect(await audited('f1 closed')).toMatchObject({ dlpOutcome: 'blocked', status: 'denied' });
    expect(await echo(paths.open!, 'f2 open')).toEqual({ isError: false, text: 'Echo: f2 open' });
  });
});

describe('guardrails on task results', () => {
  it('redacts a task-augmented call’s result when it is fetched, as for a direct call', async () => {
    const { client } = await connectClient(`${proxy.url}${tasks.path}`, tasks.token);
    try {
      const { task } = await client.request(
        {
          method: 'tools/call',
          params: {
            name: 'echo',
            arguments: { text: 't1 to bo@example.org', ms: 10 },
            task: { ttl: 60_000 },
          },
        },
        CreateTaskResultSchema,
      );
      await eventually(async () =>
        expect((await client.experimental.tasks.getTask(task.taskId)).status).toBe('completed'),
      );
      const result = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
      expect(result.content).toEqual([{ type: 'text', text: 'echo: t1 to [REDACTED:email]' }]);
    } finally {
      await client.close();
    }
  });
});
