import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { createBus, type Bus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing, seal } from '@toolgate/core/crypto';
import { parseEnv } from '@toolgate/core/env';
import { createLogger, type Logger } from '@toolgate/core/logger';
import {
  createTestDatabase,
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
  type TestDatabase,
} from '@toolgate/db/testing';
import { freePort } from '@toolgate/fixtures/test-kit';
import { expect } from 'vitest';
import { buildProxy, type Proxy } from '../build-proxy.ts';
import { ZProxyEnv } from '../env.ts';

export interface RunningProxy {
  url: string;
  proxy: Proxy;
  bus: Bus;
  /** Drains (in-flight calls get `graceMs`, 1 s by default) and leaves the bus. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Real Postgres (or embedded), real Redis (or the in-process bus), real proxies on ephemeral
 * ports. Several proxies from one harness share database, bus namespace and keys, like replicas.
 */
export async function createHarness({ postgresUrl, redisUrl }: { postgresUrl: string; redisUrl: string }) {
  const db: TestDatabase = await createTestDatabase(postgresUrl);
  const prefix = `tgtest-${randomBytes(4).toString('hex')}`;
  const secretSpec = generateKeySpec('k1');
  const sessionSpec = generateKeySpec('s1');
  const secretRing = parseKeyRing(secretSpec);
  const running = new Set<RunningProxy>();
  const log = createLogger({ name: 'proxy-test', level: 'silent', pretty: false });

  /** A bus of this harness's deployment; `viaUrl` reaches the same Redis another way (a forwarder). */
  const newBus = (viaUrl = redisUrl) => createBus({ redisUrl: viaUrl || undefined, prefix });

  async function startProxy(
    overrides: Record<string, string> = {},
    {
      redisUrl: viaUrl,
      log: proxyLog = log,
      port: listenOn = 0,
      clock,
    }: { redisUrl?: string; log?: Logger; port?: number; clock?: () => number } = {},
  ): Promise<RunningProxy> {
    const env = parseEnv(ZProxyEnv, {
      DATABASE_URL: db.url,
      TOOLGATE_SESSION_KEYS: sessionSpec,
      TOOLGATE_SECRET_KEYS: secretSpec,
      TOOLGATE_ALLOW_PRIVATE_UPSTREAMS: 'true',
      TOOLGATE_ALLOW_STDIO: 'true',
      UPSTREAM_CALL_TIMEOUT_MS: '10000',
      ...overrides,
    });
    const bus = newBus(viaUrl);
    const proxy = buildProxy({ env, db, bus, log: proxyLog, ...(clock ? { clock } : {}) });
    await proxy.start();
    await new Promise<void>((resolve) => proxy.server.listen(listenOn, '127.0.0.1', resolve));
    const { port } = proxy.server.address() as AddressInfo;
    const handle: RunningProxy = {
      url: `http://127.0.0.1:${port}`,
      proxy,
      bus,
      async close(graceMs = 1_000) {
        running.delete(handle);
        await proxy.drain(graceMs);
        await bus.close();
      },
    };
    running.add(handle);
    return handle;
  }

  return {
    db,
    newBus,
    startProxy,
    /** The proxies' secret key ring (TOOLGATE_SECRET_KEYS), for control-plane services in tests. */
    secretKeys: secretRing,
    /** Seals installation credentials the way the control plane stores them. */
    sealCredentials: (installationId: string, values: Record<string, string>) =>
      seal(secretRing, JSON.stringify(values), `installation:${installationId}`),
    async close() {
      await Promise.all([...running].map((p) => p.close()));
      await db.destroy();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

/** Discovery as the control plane does it: list the upstream's tools with a real MCP client. */
export async function discoverAndSeedTools(
  db: TestDatabase,
  tenantId: string,
  installationId: string,
  upstream: { url: string; headers?: Record<string, string> } | { command: string; args: string[] },
) {
  const client = new Client({ name: 'discovery', version: '1.0.0' });
  const transport =
    'url' in upstream
      ? new StreamableHTTPClientTransport(new URL(upstream.url), {
          requestInit: { headers: upstream.headers ?? {} },
        })
      : new StdioClientTransport({ command: upstream.command, args: upstream.args });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    return await seedTools(
      db.db,
      tenantId,
      installationId,
      tools.map((t) => ({
        name: t.name,
        description: t.description,
        inputSchema: t.inputSchema,
        ...(t._meta ? { meta: t._meta } : {}),
        ...(t.execution ? { execution: t.execution } : {}),
      })),
    );
  } finally {
    await client.close();
  }
}

/** An MCP SDK client connected to a gateway URL with a bearer token. */
export async function connectClient(url: string, token: string, extraHeaders: Record<string, string> = {}) {
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { authorization: `Bearer ${token}`, ...extraHeaders } },
  });
  await client.connect(transport);
  return { client, transport };
}

/**
 * An MCP SDK client on the legacy HTTP+SSE transport. The stream opens at `sseUrl`; `postTo`
 * picks the origin (any replica) each POSTed message goes to, as a load balancer would.
 */
export async function connectLegacyClient(
  sseUrl: string,
  token: string,
  options: {
    postTo?: (message: Record<string, unknown>) => string;
    capabilities?: ClientCapabilities;
  } = {},
) {
  const posted: { origin: string; message: Record<string, unknown> }[] = [];
  const client = new Client(
    { name: 'legacy-test-client', version: '1.0.0' },
    { capabilities: options.capabilities ?? {} },
  );
  const transport = new SSEClientTransport(new URL(sseUrl), {
    // The SDK sends these on the EventSource request and on every POST.
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    fetch: (url, init) => {
      // The SDK posts one JSON-RPC message as a string body.
      if (init?.method !== 'POST' || !options.postTo || typeof init.body !== 'string')
        return fetch(url, init);
      const message = JSON.parse(init.body) as Record<string, unknown>;
      const target = new URL(url);
      const origin = options.postTo(message);
      posted.push({ origin, message });
      return fetch(new URL(`${target.pathname}${target.search}`, origin), init);
    },
  });
  await client.connect(transport);
  return { client, transport, posted };
}

/** A raw JSON-RPC POST, for protocol edge cases the SDK client would never send. */
export async function rpc(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> | undefined; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  // An SSE answer: the response is the last message event (notifications come before it).
  if (json === undefined && res.headers.get('content-type')?.startsWith('text/event-stream')) {
    const events = text.split('\n').filter((line) => line.startsWith('data: '));
    const last = events.at(-1);
    json = last ? (JSON.parse(last.slice(6)) as Record<string, unknown>) : undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/**
 * A tenant whose gateway exposes, from the conformance fixture at `upstreamUrl`, a tool that works
 * (`ok`) and one that fails as a tool (`fails`), plus a dead upstream's tool (`down`).
 */
export async function seedConformanceGateway(h: Harness, upstreamUrl: string) {
  const { db } = h;
  const tenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(db.db, tenant.id, { slug: 'conf', url: upstreamUrl });
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  await discoverAndSeedTools(db, tenant.id, installation.id, { url: upstreamUrl });
  const deadEntry = await seedRegistryEntry(db.db, tenant.id, {
    slug: 'dead',
    url: `http://127.0.0.1:${await freePort()}/mcp`,
  });
  const deadInstallation = await seedInstallation(db.db, tenant.id, deadEntry.id);
  await seedTools(db.db, tenant.id, deadInstallation.id, [{ name: 'anything' }]);
  const gateway = await seedGateway(db.db, tenant.id);
  await seedAssignments(db.db, tenant.id, gateway.id, [
    { registryEntryId: entry.id, toolName: 'test_simple_text', alias: 'ok' },
    { registryEntryId: entry.id, toolName: 'test_error_handling', alias: 'fails' },
    { registryEntryId: deadEntry.id, toolName: 'anything', alias: 'down' },
  ]);
  const { token, id: tokenId } = await seedApiToken(db.db, tenant.id);
  return {
    tenant,
    gateway,
    installation,
    deadInstallation,
    path: `/mcp/${tenant.slug}/${gateway.slug}`,
    token,
    tokenId,
  };
}

/**
 * `initialize` (2025-11-25) over raw JSON-RPC, expected to succeed. `auth` goes on every request
 * of the session, `initHeaders` on this one only. Returns the response and the headers that
 * address the session.
 */
export async function initializeSession(
  url: string,
  auth: Record<string, string>,
  initHeaders: Record<string, string> = {},
) {
  const init = await rpc(
    url,
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'test', version: '1' },
      },
    },
    { ...auth, ...initHeaders },
  );
  expect(init.status).toBe(200);
  const headers: Record<string, string> = {
    ...auth,
    'mcp-session-id': init.headers.get('mcp-session-id')!,
    'mcp-protocol-version': '2025-11-25',
  };
  return { init, headers };
}

type Assignment = Omit<Parameters<typeof seedAssignments>[3][number], 'registryEntryId'>;

/**
 * One server behind one gateway: a tenant (new, or `tenant`), the registry entry `server` for
 * `upstream` installed for the org and discovered with a real client, the tools (`toolName`, or
 * assignment rows without the entry) on gateway `gateway`, and an org API token.
 */
export async function seedServerGateway(
  h: Harness,
  options: {
    server: string;
    upstream: { url: string } | { command: string; args: string[] };
    gateway: string;
    tools: (string | Assignment)[];
    tenant?: Awaited<ReturnType<typeof seedTenant>>;
    description?: string;
  },
) {
  const { db } = h;
  const tenant = options.tenant ?? (await seedTenant(db.db));
  const { upstream } = options;
  const entry = await seedRegistryEntry(
    db.db,
    tenant.id,
    'url' in upstream
      ? { slug: options.server, url: upstream.url }
      : {
          slug: options.server,
          transport: 'stdio',
          url: null,
          command: upstream.command,
          args: upstream.args,
        },
  );
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  await discoverAndSeedTools(db, tenant.id, installation.id, upstream);
  const gateway = await seedGateway(db.db, tenant.id, {
    slug: options.gateway,
    ...(options.description ? { description: options.description } : {}),
  });
  await seedAssignments(
    db.db,
    tenant.id,
    gateway.id,
    options.tools.map((t) => ({
      registryEntryId: entry.id,
      ...(typeof t === 'string' ? { toolName: t } : t),
    })),
  );
  const { token } = await seedApiToken(db.db, tenant.id);
  return {
    tenant,
    entry,
    installationId: installation.id,
    gateway,
    token,
    path: `/mcp/${tenant.slug}/${gateway.slug}`,
  };
}
