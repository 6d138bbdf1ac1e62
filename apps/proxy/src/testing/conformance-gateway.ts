import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
} from '@toolgate/db/testing';
import { startConformanceFixture } from '@toolgate/fixtures/conformance-server';
import { createHarness } from './harness.ts';

/**
 * The conformance suite's target: a gateway fronting the conformance fixture with un-prefixed
 * aliases (tools and prompts keep their names, resources their URIs), behind a small forwarder
 * that adds the bearer token, since the suite cannot send credentials itself.
 */
export async function startConformanceGateway({
  postgresUrl,
  redisUrl,
}: {
  postgresUrl: string;
  redisUrl: string;
}) {
  const fixture = await startConformanceFixture({ host: '127.0.0.1' });
  const h = await createHarness({ postgresUrl, redisUrl });
  const { db } = h;
  const tenant = await seedTenant(db.db, { slug: 'conformance' });
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'fixture', url: fixture.url });
  const installation = await seedInstallation(db.db, tenant.id, entry.id);

  const client = new Client({ name: 'discovery', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(fixture.url)));
  const { tools } = await client.listTools();
  const { prompts } = await client.listPrompts();
  await client.close();
  await seedTools(
    db.db,
    tenant.id,
    installation.id,
    tools.map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: t.inputSchema,
    })),
  );
  const gateway = await seedGateway(db.db, tenant.id, { slug: 'all' });
  await seedAssignments(db.db, tenant.id, gateway.id, [
    ...tools.map((t) => ({ registryEntryId: entry.id, toolName: t.name, alias: t.name })),
    ...prompts.map((p) => ({
      registryEntryId: entry.id,
      kind: 'prompt' as const,
      toolName: p.name,
      alias: p.name,
    })),
    { registryEntryId: entry.id, kind: 'resources' as const, toolName: '*' },
  ]);
  const { token } = await seedApiToken(db.db, tenant.id);
  const proxy = await h.startProxy();
  const upstream = new URL(proxy.url);

  const forwarder: Server = createServer((req, res) => {
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, authorization: `Bearer ${token}` },
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.1', resolve));
  const { port } = forwarder.address() as AddressInfo;

  return {
    /** Where the suite connects (the forwarder). */
    url: `http://localhost:${port}/mcp/${tenant.slug}/${gateway.slug}`,
    proxyUrl: `${proxy.url}/mcp/${tenant.slug}/${gateway.slug}`,
    token,
    async close() {
      forwarder.closeAllConnections();
      await new Promise<void>((resolve) => forwarder.close(() => resolve()));
      await h.close();
      await fixture.close();
    },
  };
}
