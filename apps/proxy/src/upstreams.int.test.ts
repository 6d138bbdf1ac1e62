import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
} from '@toolgate/db/testing';
import { startEverythingServer, type RunningEverythingServer } from '@toolgate/fixtures/everything';
import { freePort } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectClient, createHarness, type Harness, rpc } from './testing/harness.ts';

let h: Harness;
let sse: RunningEverythingServer;
beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  sse = await startEverythingServer('sse');
});
afterAll(async () => {
  await h?.close();
  await sse?.close();
});

/** A gateway with one tool `echo` on an upstream at `url` (tool schema seeded, not discovered). */
async function gatewayFor(url: string, transport: 'streamable_http' | 'sse' = 'streamable_http') {
  const { db } = h;
  const tenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'upstream', url, transport });
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  await seedTools(db.db, tenant.id, installation.id, [{ name: 'echo', inputSchema: { type: 'object' } }]);
  const gateway = await seedGateway(db.db, tenant.id);
  await seedAssignments(db.db, tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'echo', alias: 'echo' },
  ]);
  const { token } = await seedApiToken(db.db, tenant.id);
  return { tenant, gateway, token, path: `/mcp/${tenant.slug}/${gateway.slug}` };
}

describe('upstream transports and failures', () => {
  it('serves a legacy HTTP+SSE upstream (server-everything in sse mode)', async () => {
    const { db } = h;
    const tenant = await seedTenant(db.db);
    const entry = await seedRegistryEntry(db.db, tenant.id, {
      slug: 'legacy',
      url: sse.url,
      transport: 'sse',
    });
    const installation = await seedInstallation(db.db, tenant.id, entry.id);
    const gateway = await seedGateway(db.db, tenant.id);
    const { token } = await seedApiToken(db.db, tenant.id);
    const proxy = await h.startProxy();
    // Discovery over the gateway's own pool is not what we test here: seed from a direct listing.
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
    const direct = new Client({ name: 'discovery', version: '1' });
    await direct.connect(new SSEClientTransport(new URL(sse.url)));
    const { tools } = await direct.listTools();
    await direct.close();
    await seedTools(
      db.db,
      tenant.id,
      installation.id,
      tools.map((t) => ({ name: t.name, inputSchema: t.inputSchema })),
    );
    await seedAssignments(db.db, tenant.id, gateway.id, [{ registryEntryId: entry.id, toolName: 'echo' }]);

    const { client } = await connectClient(`${proxy.url}/mcp/${tenant.slug}/${gateway.slug}`, token);
    try {
      const result = await client.callTool({ name: 'legacy__echo', arguments: { message: 'over sse' } });
      expect(result.content).toEqual([{ type: 'text', text: 'Echo: over sse' }]);
    } finally {
      await client.close();
      // Each test's proxies end with it: a replica left running writes its tokens' "last used"
      // to the shared database on its own timer, which the hot-path test would count.
      await proxy.close();
    }
  });

  it('answers an unreachable upstream with a JSON-RPC error naming it, quickly', async () => {
    const { path, token } = await gatewayFor(`http://127.0.0.1:${await freePort()}/mcp`);
    const proxy = await h.startProxy({ UPSTREAM_CONNECT_TIMEOUT_MS: '2000' });
    const { client } = await connectClient(`${proxy.url}${path}`, token);
    try {
      const started = Date.now();
      await expect(client.callTool({ name: 'echo', arguments: {} })).rejects.toThrow(/upstream/i);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await client.close();
      await proxy.close();
    }
  });

  it('refuses private upstream addresses unless the operator allows them', async () => {
    const everything = await startEverythingServer('streamableHttp');
    try {
      const { path, token } = await gatewayFor(everything.url);
      const strict = await h.startProxy({ TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: 'false' });
      const { client } = await connectClient(`${strict.url}${path}`, token);
      try {
        await expect(client.callTool({ name: 'echo', arguments: { message: 'x' } })).rejects.toThrow(
          /private|refused/i,
        );
      } finally {
        await client.close();
        await strict.close();
      }
    } finally {
      await everything.close();
    }
  });
});

describe('hot path', () => {
  it('serves steady-state traffic with no Postgres query', async () => {
    const everything = await startEverythingServer('streamableHttp');
    try {
      const { path, token } = await gatewayFor(everything.url);
      const proxy = await h.startProxy();
      const url = `${proxy.url}${path}`;
      const init = await rpc(
        url,
        {
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 'q', version: '1' },
          },
        },
        { authorization: `Bearer ${token}` },
      );
      const headers = {
        authorization: `Bearer ${token}`,
        'mcp-session-id': init.headers.get('mcp-session-id')!,
        'mcp-protocol-version': '2025-11-25',
      };
      await rpc(
        url,
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'echo', arguments: { message: 'warm' } },
        },
        headers,
      );

      let checkouts = 0;
      const count = () => void checkouts++;
      h.db.pool.on('acquire', count);
      try {
        for (let i = 0; i < 50; i++) {
          const res = await rpc(
            url,
            {
              jsonrpc: '2.0',
              id: 2 + i,
              method: i % 2 ? 'tools/list' : 'tools/call',
              params: { name: 'echo', arguments: { message: `m${i}` } },
            },
            headers,
          );
          expect(res.json).toHaveProperty('result');
        }
      } finally {
        h.db.pool.off('acquire', count);
      }
      expect(checkouts).toBe(0);
      expect(proxy.proxy.store.stats.compiles).toBe(1);
    } finally {
      await everything.close();
    }
  });

  it('routes {tenant}.{base host}/mcp/{gateway} when a base host is configured', async () => {
    const everything = await startEverythingServer('streamableHttp');
    try {
      const { tenant, gateway, token } = await gatewayFor(everything.url);
      const proxy = await h.startProxy({ MCP_BASE_HOST: 'mcp.example.test' });
      const { request } = await import('node:http');
      const target = new URL(proxy.url);
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'h', version: '1' } },
      });
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          {
            host: target.hostname,
            port: target.port,
            path: `/mcp/${gateway.slug}`,
            method: 'POST',
            headers: {
              host: `${tenant.slug}.mcp.example.test`,
              'content-type': 'application/json',
              accept: 'application/json',
              authorization: `Bearer ${token}`,
            },
          },
          (res) => {
            let data = '';
            res.on('data', (d: Buffer) => (data += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({
        result: { serverInfo: { name: `toolgate/${tenant.slug}/${gateway.slug}` } },
      });
    } finally {
      await everything.close();
    }
  });
});
