import type { Bus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { bootstrapTenant } from '@toolgate/db/bootstrap';
import { randomSlug } from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
// The proxy package exports only its entry points; its test harness is reached by path.
import { connectClient, createHarness, type RunningProxy } from '@toolgate/proxy/testing/harness';
import { ZGatewayAssignments } from '../schemas/gateways.ts';
import { ZDiscoveredInstallation } from '../schemas/installations.ts';
import { ZRegistryEntry } from '../schemas/registry.ts';
import { ZApiToken, ZCreatedApiToken } from '../schemas/tokens.ts';
import { ok, restClient, type RestCall } from '../testing/rest-client.ts';
import { ZGatewayResponse } from './routes.ts';

type Harness = Awaited<ReturnType<typeof createHarness>>;

let h: Harness;
let everything: RunningEverythingServer;
let proxy: RunningProxy;
let bus: Bus;
let call: RestCall;

beforeAll(async () => {
  [h, everything] = await Promise.all([
    createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') }),
    startEverythingServer('streamableHttp'),
  ]);
  // The control plane and the proxy share database, bus and secret keys, as in production.
  const secretSpec = generateKeySpec('k1');
  proxy = await h.startProxy({ TOOLGATE_SECRET_KEYS: secretSpec });
  bus = h.newBus();
  call = restClient({
    db: h.db.db,
    bus,
    publicMcpUrl: proxy.url,
    secretKeys: parseKeyRing(secretSpec),
    allowPrivateUpstreams: true,
  });
});

afterAll(async () => {
  await bus?.close();
  await h?.close();
  await everything?.close();
});

describe('from an empty tenant to a tool call, through the REST API and a real proxy', () => {
  it('bootstraps, registers, installs, creates a gateway, assigns, issues a token, and calls echo', async () => {
    const { adminToken } = await bootstrapTenant(h.db.db, {
      slug: randomSlug('e2e'),
      email: `${randomSlug('owner')}@example.test`,
      password: 'correct horse battery staple',
    });

    const entry = ok(
      await call('POST', '/registry', {
        token: adminToken,
        body: { slug: 'everything', name: 'Everything', transport: 'streamable_http', url: everything.url },
      }),
      201,
      ZRegistryEntry,
    );

    const installed = ok(
      await call('POST', '/installations', {
        token: adminToken,
        body: { registryEntryId: entry.id, scope: 'org' },
      }),
      201,
      ZDiscoveredInstallation,
    );
    expect(installed.installation.status).toBe('ready');
    expect(installed.tools.map((t) => t.name)).toContain('echo');

    const gateway = ok(
      await call('POST', '/gateways', {
        token: adminToken,
        body: { slug: 'dev', name: 'Development', clientAuthMethods: ['api_token'] },
      }),
      201,
      ZGatewayResponse,
    );
    expect(gateway.url).toMatch(new RegExp(`^${proxy.url}/mcp/[a-z0-9-]+/dev$`));

    const assigned = ok(
      await call('PUT', `/gateways/${gateway.id}/tools`, {
        token: adminToken,
        body: { assignments: [{ registryEntryId: entry.id, toolName: 'echo' }] },
      }),
      200,
      ZGatewayAssignments,
    );
    expect(assigned.exposedTools).toEqual(['everything__echo']);

    const clientToken = ok(
      await call('POST', '/tokens', {
        token: adminToken,
        body: { name: 'mcp client', scope: 'org', capabilities: ['mcp'] },
      }),
      201,
      ZCreatedApiToken,
    );

    const { client } = await connectClient(gateway.url, clientToken.token);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['everything__echo']);
      const result = await client.callTool({
        name: 'everything__echo',
        arguments: { message: 'through the gateway' },
      });
      expect(result.content).toEqual([{ type: 'text', text: 'Echo: through the gateway' }]);
    } finally {
      await client.close();
    }

    // Revoked through the API: the proxy refuses the token once the invalidation lands.
    ok(await call('DELETE', `/tokens/${clientToken.id}`, { token: adminToken }), 200, ZApiToken);
    await eventually(async () => {
      await expect(connectClient(gateway.url, clientToken.token)).rejects.toThrow(
        /access token is invalid, expired or revoked/,
      );
    }, 15_000);
  });
});
