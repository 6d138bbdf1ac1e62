import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { issuerFrom } from '@toolgate/auth/constants';
import { signAccessToken } from '@toolgate/auth/signing-keys';
import type { UsageConsumer } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { ZUsageEvent } from '@toolgate/core/usage';
import { auditEvents, gateways } from '@toolgate/db/schema';
import { seedMember } from '@toolgate/db/testing';
import { applyUsageBatch } from '@toolgate/db/usage';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectLegacyClient,
  createHarness,
  seedServerGateway,
  type Harness,
  type RunningProxy,
} from '../testing/harness.ts';

/**
 * The agent on the audit log, end to end: messages through a real proxy, their usage batches off
 * the proxy's queue and applied as the worker applies them, read back from audit_events.
 */
const PUBLIC_MCP_URL = 'http://localhost:4000';
const ring = parseKeyRing(generateKeySpec('agent-test'));

let h: Harness;
let everything: RunningEverythingServer;
let proxy: RunningProxy;
let consumer: UsageConsumer;
const w = {} as { tenantId: string; gatewayId: string; path: string; token: string; memberId: string };

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  everything = await startEverythingServer('streamableHttp');
  const seeded = await seedServerGateway(h, {
    server: 'everything',
    upstream: { url: everything.url },
    gateway: 'agents',
    tools: ['echo'],
  });
  await h.db.db
    .update(gateways)
    .set({ clientAuthMethods: ['api_token', 'oauth'] })
    .where(eq(gateways.id, seeded.gateway.id));
  const member = await seedMember(h.db.db, seeded.tenant.id);
  Object.assign(w, {
    tenantId: seeded.tenant.id,
    gatewayId: seeded.gateway.id,
    path: seeded.path,
    token: seeded.token,
    memberId: member.id,
  });
  proxy = await h.startProxy({
    PUBLIC_MCP_URL,
    PUBLIC_WEB_URL: 'http://localhost:3000/',
    USAGE_FLUSH_INTERVAL_MS: '50',
  });
  // What the worker does with a batch: validate each event, then one transaction.
  consumer = proxy.bus.usage.consume(async (batch) => {
    await applyUsageBatch(h.db.db, { id: batch.id, events: batch.events.map((e) => ZUsageEvent.parse(e)) });
  });
});

afterAll(async () => {
  await consumer?.close();
  await h?.close();
  await everything?.close();
});

async function connect(name: string, token: string) {
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(proxy.url + w.path), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return { client, transport };
}

/** The audit rows of one MCP session, once `methods` have all arrived. */
async function sessionRows(sessionId: string, methods: string[]) {
  const read = () =>
    h.db.db
      .select({
        method: auditEvents.method,
        agent: auditEvents.agent,
        principalId: auditEvents.principalId,
        authMethod: auditEvents.authMethod,
      })
      .from(auditEvents)
      .where(and(eq(auditEvents.tenantId, w.tenantId), eq(auditEvents.sessionId, sessionId)));
  await eventually(async () =>
    expect((await read()).map((r) => r.method)).toEqual(expect.arrayContaining(methods)),
  );
  return read();
}

/** The MCP session id the audit log knows a transport's session by (`sid`, not the sealed id). */
async function sidOf(agent: string) {
  let sid: string | null = null;
  await eventually(async () => {
    const [row] = await h.db.db
      .select({ sessionId: auditEvents.sessionId })
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.tenantId, w.tenantId),
          eq(auditEvents.method, 'initialize'),
          eq(auditEvents.agent, agent),
        ),
      );
    expect(row?.sessionId).toBeTruthy();
    sid = row!.sessionId;
  });
  return sid!;
}

const SESSION_METHODS = ['initialize', 'notifications/initialized', 'tools/list', 'tools/call'];

describe('the agent on every audit event', () => {
  it('records each message of an SDK client with the name the client declared', async () => {
    const { client } = await connect('agent-x', w.token);
    await client.listTools();
    await client.callTool({ name: 'everything__echo', arguments: { message: 'hi' } });
    await client.close();

    const rows = await sessionRows(await sidOf('agent-x'), SESSION_METHODS);
    expect(rows.length).toBeGreaterThanOrEqual(SESSION_METHODS.length);
    for (const row of rows) expect(row).toMatchObject({ agent: 'agent-x', authMethod: 'api_token' });
  });

  it("records an OAuth caller's messages with the OAuth client's id, whatever the client calls itself", async () => {
    const clientId = `dcr-${randomUUID()}`;
    const { token } = await signAccessToken(h.db.db, ring, {
      iss: issuerFrom('http://localhost:3000/'),
      sub: w.memberId,
      aud: `${PUBLIC_MCP_URL}${w.path}`,
      jti: randomUUID(),
      client_id: clientId,
      scope: 'mcp:tools mcp:read',
      tid: w.tenantId,
      gid: w.gatewayId,
      grant: randomUUID(),
    });
    const { client } = await connect('claims-to-be-someone-else', token);
    await client.listTools();
    await client.callTool({ name: 'everything__echo', arguments: { message: 'hi' } });
    await client.close();

    const rows = await sessionRows(await sidOf(clientId), SESSION_METHODS);
    for (const row of rows)
      expect(row).toMatchObject({ agent: clientId, authMethod: 'oauth', principalId: `user:${w.memberId}` });
  });

  it("records a 2026-07-28 request with the client's name from its _meta", async () => {
    const res = await fetch(proxy.url + w.path, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${w.token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': 'everything__echo',
        'x-request-id': `agent-modern-${randomUUID()}`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'everything__echo',
          arguments: { message: 'x' },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
            'io.modelcontextprotocol/clientInfo': { name: 'modern-agent', version: '1' },
          },
        },
      }),
    });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id')!;
    await eventually(async () => {
      const rows = await h.db.db
        .select({ agent: auditEvents.agent, sessionId: auditEvents.sessionId, status: auditEvents.status })
        .from(auditEvents)
        .where(and(eq(auditEvents.tenantId, w.tenantId), eq(auditEvents.requestId, requestId)));
      expect(rows).toEqual([{ agent: 'modern-agent', sessionId: null, status: 'ok' }]);
    });
  });

  it('records the initialize of a legacy HTTP+SSE client with its declared name', async () => {
    const { client } = await connectLegacyClient(`${proxy.url}${w.path}/sse`, w.token);
    await client.close();
    await sidOf('legacy-test-client');
  });
});
