import { randomUUID } from 'node:crypto';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { grantRevocationId, issuerFrom } from '@toolgate/auth/constants';
import { signAccessToken } from '@toolgate/auth/signing-keys';
import { publishRevocation } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { parsePrometheusText, sampleValue } from '@toolgate/core/testing/prometheus-text';
import { eventually } from '@toolgate/fixtures/test-kit';
import { RPC } from '@toolgate/mcp/jsonrpc';
import {
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedMember,
  seedRegistryEntry,
  seedTenant,
} from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectLegacyClient,
  createHarness,
  discoverAndSeedTools,
  initializeSession,
  rpc,
  type Harness,
  type RunningProxy,
} from './testing/harness.ts';

/**
 * Scopes of Toolgate's OAuth access tokens over the legacy HTTP+SSE transport, and the auth
 * failure metrics by reason. oauth.int.test.ts covers the Streamable HTTP 403 challenge.
 */

const PUBLIC_MCP_URL = 'http://localhost:4000';
const ISSUER = issuerFrom('http://localhost:3000/');
const ENV = { PUBLIC_MCP_URL, PUBLIC_WEB_URL: 'http://localhost:3000/' };
const ring = parseKeyRing(generateKeySpec('oauth-scope-test'));

let h: Harness;
let everything: RunningEverythingServer;
let proxyA: RunningProxy;
let proxyB: RunningProxy;
const w = {} as {
  tenant: { id: string; slug: string };
  member: { id: string };
  gwA: { id: string; slug: string };
  gwB: { id: string; slug: string };
};

const gatewayPath = (gw: { slug: string }) => `/mcp/${w.tenant.slug}/${gw.slug}`;

/** An access token as the authorization server mints it, for gwA unless told otherwise. */
async function ourToken(
  overrides: Partial<{
    user: { id: string };
    gw: { id: string; slug: string };
    scope: string;
    grant: string;
  }> = {},
) {
  const gw = overrides.gw ?? w.gwA;
  const { token } = await signAccessToken(h.db.db, ring, {
    iss: ISSUER,
    sub: (overrides.user ?? w.member).id,
    aud: `${PUBLIC_MCP_URL}${gatewayPath(gw)}`,
    jti: randomUUID(),
    client_id: 'test-client',
    scope: overrides.scope ?? 'mcp:tools mcp:read',
    tid: w.tenant.id,
    gid: gw.id,
    grant: overrides.grant ?? randomUUID(),
  });
  return token;
}

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  everything = await startEverythingServer('streamableHttp');
  const db = h.db.db;
  const tenant = await seedTenant(db);
  const entry = await seedRegistryEntry(db, tenant.id, { slug: 'everything', url: everything.url });
  const installation = await seedInstallation(db, tenant.id, entry.id);
  await discoverAndSeedTools(h.db, tenant.id, installation.id, { url: everything.url });
  const oauthOnly = { clientAuthMethods: ['oauth' as const] };
  const gwA = await seedGateway(db, tenant.id, oauthOnly);
  const gwB = await seedGateway(db, tenant.id, oauthOnly);
  for (const gw of [gwA, gwB]) {
    await seedAssignments(db, tenant.id, gw.id, [{ registryEntryId: entry.id, toolName: 'echo' }]);
  }
  Object.assign(w, { tenant, gwA, gwB, member: await seedMember(db, tenant.id) });
  [proxyA, proxyB] = await Promise.all([h.startProxy(ENV), h.startProxy(ENV)]);
});

afterAll(async () => {
  await h?.close();
  await everything?.close();
});

describe('an mcp:read-only access token on the legacy HTTP+SSE transport', () => {
  it('lists tools, and tools/call is answered on the stream with an error naming mcp:tools', async () => {
    const token = await ourToken({ scope: 'mcp:read' });
    // The stream on A, every post on B: the refusal travels the bus like any answer.
    const { client, posted } = await connectLegacyClient(`${proxyA.url}${gatewayPath(w.gwA)}/sse`, token, {
      postTo: () => proxyB.url,
    });
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['everything__echo']);

      const refusal = await client
        .callTool({ name: 'everything__echo', arguments: { message: 'read only' } })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      // A JSON-RPC error from the stream; a POST refused with an HTTP status is a transport error.
      expect(refusal).toBeInstanceOf(McpError);
      expect((refusal as McpError).code).toBe(RPC.FORBIDDEN);
      expect((refusal as McpError).message).toContain('tools/call needs the "mcp:tools" scope');

      // The session outlives the refusal.
      expect((await client.listTools()).tools).toHaveLength(1);
      expect(posted.map((p) => p.message.method)).toEqual([
        'initialize',
        'notifications/initialized',
        'tools/list',
        'tools/call',
        'tools/list',
      ]);
    } finally {
      await client.close();
    }
  });

  it('with mcp:tools calls the tool on the same transport', async () => {
    const { client } = await connectLegacyClient(`${proxyA.url}${gatewayPath(w.gwA)}/sse`, await ourToken());
    try {
      const echo = await client.callTool({ name: 'everything__echo', arguments: { message: 'full' } });
      expect(echo.content).toEqual([{ type: 'text', text: 'Echo: full' }]);
    } finally {
      await client.close();
    }
  });
});

describe('toolgate_auth_failures_total', () => {
  it('counts refused OAuth callers by reason, on both transports', async () => {
    // A proxy of its own: its registry has counted nothing else.
    const proxy = await h.startProxy(ENV);
    const target = `${proxy.url}${gatewayPath(w.gwA)}`;
    const initialize = async (token: string) => {
      const body = {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
      };
      return (await rpc(target, body, { authorization: `Bearer ${token}` })).status;
    };

    // wrong_audience: a token for another gateway of the tenant, twice.
    const forB = await ourToken({ gw: w.gwB });
    expect(await initialize(forB)).toBe(401);
    expect(await initialize(forB)).toBe(401);
    // not_member: well signed, for a user who is not in the tenant.
    expect(await initialize(await ourToken({ user: { id: randomUUID() } }))).toBe(401);
    // revoked: a grant revoked before any of its tokens was seen.
    const grant = randomUUID();
    await publishRevocation(proxy.bus, {
      tenantId: w.tenant.id,
      revokedId: grantRevocationId(grant),
      ttlSeconds: 900,
    });
    expect(await initialize(await ourToken({ grant }))).toBe(401);

    // insufficient_scope over Streamable HTTP: a 403, after a read that is allowed …
    const readOnly = await ourToken({ scope: 'mcp:read' });
    const { headers } = await initializeSession(target, { authorization: `Bearer ${readOnly}` });
    expect((await rpc(target, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, headers)).status).toBe(200);
    const call = {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'everything__echo', arguments: { message: 'x' } },
    };
    expect((await rpc(target, call, headers)).status).toBe(403);
    // … and over the legacy transport, where it is an error on the stream.
    const { client } = await connectLegacyClient(`${target}/sse`, readOnly);
    try {
      await expect(
        client.callTool({ name: 'everything__echo', arguments: { message: 'legacy' } }),
      ).rejects.toThrow(/"mcp:tools" scope/);
    } finally {
      await client.close();
    }

    // Counters move as messages finish, which may be just after their answers went out.
    await eventually(async () => {
      const res = await fetch(`${proxy.url}/metrics`);
      expect(res.status).toBe(200);
      const samples = parsePrometheusText(await res.text());
      const auth = (reason: string) => sampleValue(samples, 'toolgate_auth_failures_total', { reason });
      expect(auth('wrong_audience')).toBe(2);
      expect(auth('not_member')).toBe(1);
      expect(auth('revoked')).toBe(1);
      expect(auth('insufficient_scope')).toBe(2);
      // Reasons that did not happen have no series.
      expect(auth('missing')).toBeUndefined();
      expect(auth('wrong_tenant')).toBeUndefined();
      const requests = (method: string, status: string) =>
        sampleValue(samples, 'toolgate_mcp_requests_total', { method, status });
      expect(requests('tools/call', 'denied')).toBe(2);
      expect(requests('tools/list', 'ok')).toBe(1);
    });
  });
});
