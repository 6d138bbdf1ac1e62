import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { installations } from '@toolgate/db/schema';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
} from '@toolgate/db/testing';
import { freePort } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { captureLogs, LEVEL, type LogLine } from './testing/log-capture.ts';
import {
  createHarness,
  discoverAndSeedTools,
  initializeSession,
  rpc,
  type Harness,
  type RunningProxy,
} from './testing/harness.ts';
import { startHeaderEchoServer } from './testing/header-echo-server.ts';

/**
 * What the proxy tells its operator: one `warn` per failed upstream call (installation, host,
 * error class, never a credential), and refused requests as one summary, not a line each.
 * Real upstreams fail for real: a port nothing listens on, servers answering 401 and 503, a
 * tool slower than the call timeout.
 */
const CALL_TIMEOUT_MS = 1_500;
/** Credentials and URL parts that must never reach a log line. */
const SECRETS = ['tok-in-credentials-7f3a', 'q-in-url-91c2', 'userinfo-in-url-55d1'];

let h: Harness;
let proxy: RunningProxy;
let logs: ReturnType<typeof captureLogs>;
let echo: Awaited<ReturnType<typeof startHeaderEchoServer>>;
const statusServers: Server[] = [];
let url: string;
let token: string;
let tenantId: string;
let gatewayId: string;
const installed: Record<string, string> = {};
let deadHost: string;

/** A real HTTP server that answers every request with `status` (an upstream that is broken or locked). */
async function statusServer(status: number): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json' }).end('{"error":"no"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  statusServers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

const failures = () => logs.lines.filter((l) => l.msg === 'upstream request failed');
const warnings = () => logs.lines.filter((l) => l.level >= LEVEL.warn);

const call = (
  headers: Record<string, string>,
  id: number,
  name: string,
  args: Record<string, unknown> = {},
) => rpc(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }, headers);

beforeAll(async () => {
  h = await createHarness({ postgresUrl: inject('postgresUrl'), redisUrl: inject('redisUrl') });
  echo = await startHeaderEchoServer();
  const { db } = h;
  const tenant = await seedTenant(db.db);
  tenantId = tenant.id;
  const gateway = await seedGateway(db.db, tenant.id, { slug: 'ops' });
  gatewayId = gateway.id;
  const deadPort = await freePort();
  deadHost = `127.0.0.1:${deadPort}`;
  const upstreams = {
    echo: echo.url,
    dead: `http://u:${SECRETS[2]}@${deadHost}/mcp?key=${SECRETS[1]}`,
    locked: await statusServer(401),
    broken: await statusServer(503),
  };
  for (const [slug, upstreamUrl] of Object.entries(upstreams)) {
    const entry = await seedRegistryEntry(db.db, tenant.id, { slug, url: upstreamUrl, authKind: 'header' });
    const installation = await seedInstallation(db.db, tenant.id, entry.id);
    installed[slug] = installation.id;
    await db.db
      .update(installations)
      .set({ credentialsSealed: h.sealCredentials(installation.id, { token: SECRETS[0]! }) })
      .where(eq(installations.id, installation.id));
    if (slug === 'echo') await discoverAndSeedTools(db, tenant.id, installation.id, { url: echo.url });
    else await seedTools(db.db, tenant.id, installation.id, [{ name: 'anything' }]);
    await seedAssignments(db.db, tenant.id, gateway.id, [
      { registryEntryId: entry.id, toolName: slug === 'echo' ? 'slow' : 'anything', alias: slug },
      ...(slug === 'dead' ? [{ registryEntryId: entry.id, kind: 'resources' as const, toolName: '*' }] : []),
    ]);
  }
  ({ token } = await seedApiToken(db.db, tenant.id));
  logs = captureLogs();
  proxy = await h.startProxy({ UPSTREAM_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) }, { log: logs.log });
  url = `${proxy.url}/mcp/${tenant.slug}/${gateway.slug}`;
});

afterAll(async () => {
  await h?.close();
  await echo?.close();
  for (const server of statusServers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('upstream failures', () => {
  it('logs each failed call once at warn, with installation, host and error class, and no secret', async () => {
    const { headers } = await initializeSession(url, { authorization: `Bearer ${token}` });
    const before = warnings().length;
    const cases: { tool: string; args?: Record<string, unknown>; errorClass: string; httpStatus?: number }[] =
      [
        { tool: 'dead', errorClass: 'connect_refused' },
        { tool: 'dead', errorClass: 'connect_refused' },
        { tool: 'locked', errorClass: 'auth_401', httpStatus: 401 },
        { tool: 'broken', errorClass: 'http_5xx', httpStatus: 503 },
        { tool: 'echo', args: { ms: 10_000 }, errorClass: 'timeout' },
      ];
    let id = 1;
    for (const c of cases) {
      const seen = failures().length;
      const res = await call(headers, id++, c.tool, c.args);
      expect(res.json, res.text).toHaveProperty('error');
      // Logged by the time the client has its answer: exactly one line for this call.
      const lines = failures().slice(seen);
      expect(lines).toHaveLength(1);
      const slug = c.tool;
      expect(lines[0]).toMatchObject({
        level: LEVEL.warn,
        tenantId,
        gatewayId,
        installationId: installed[slug],
        upstream: slug,
        transport: 'streamable_http',
        method: 'tools/call',
        tool: slug === 'echo' ? 'slow' : 'anything',
        errorClass: c.errorClass,
      });
      if (c.httpStatus) expect(lines[0]!.httpStatus).toBe(c.httpStatus);
    }
    const hosts = failures().map((l: LogLine) => l.host);
    expect(hosts.slice(0, 2)).toEqual([deadHost, deadHost]);
    // Nothing else on the way up logged these failures again.
    expect(warnings().length - before).toBe(cases.length);
    // A call that works logs nothing.
    expect((await call(headers, id++, 'echo', { ms: 0 })).json).toHaveProperty('result');
    expect(warnings().length - before).toBe(cases.length);
    for (const secret of SECRETS) expect(logs.text()).not.toContain(secret);
    expect(logs.text()).not.toContain('/mcp?');
  });

  it('logs a failed catalog request (resources/list) once, naming its method', async () => {
    const { headers } = await initializeSession(url, { authorization: `Bearer ${token}` });
    const seen = failures().length;
    const before = warnings().length;
    const res = await rpc(url, { jsonrpc: '2.0', id: 1, method: 'resources/list' }, headers);
    expect(res.json, res.text).toHaveProperty('error');
    const lines = failures().slice(seen);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      installationId: installed.dead,
      host: deadHost,
      method: 'resources/list',
      errorClass: 'connect_refused',
    });
    expect(lines[0]).not.toHaveProperty('tool');
    expect(warnings().length - before).toBe(1);
    for (const secret of SECRETS) expect(logs.text()).not.toContain(secret);
  });
});

/** A POST with a Host header fetch would not let us choose. */
function postWithHost(host: string): Promise<number> {
  const target = new URL(url);
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { host, 'content-type': 'application/json', authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
  });
}

describe('refused requests', () => {
  it('are summarised by reason, one line per interval, never a line each', async () => {
    const refusals = proxy.proxy.observability.refusals!;
    refusals.flush();
    const seen = logs.lines.length;
    const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
    expect((await rpc(url, ping)).status).toBe(401);
    expect((await rpc(url, ping, { authorization: 'Bearer tg_not-a-real-token' })).status).toBe(401);
    expect((await rpc(url, ping, { authorization: 'Bearer tg_not-a-real-token' })).status).toBe(401);
    expect(
      (await rpc(url, ping, { authorization: `Bearer ${token}`, origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect(await postWithHost('evil.example.com')).toBe(421);
    const stale = { authorization: `Bearer ${token}`, 'mcp-session-id': 'not-a-session' };
    expect((await rpc(url, ping, stale)).status).toBe(404);
    const elsewhere = url.replace(/\/ops$/, '/no-such-gateway');
    expect((await rpc(elsewhere, ping, { authorization: `Bearer ${token}` })).status).toBe(404);
    // Nothing per refusal.
    expect(logs.lines.slice(seen)).toEqual([]);

    refusals.flush();
    const summary = logs.lines.slice(seen);
    expect(summary).toHaveLength(1);
    const { refused, total } = summary[0] as LogLine & { refused: Record<string, number>; total: number };
    expect(summary[0]).toMatchObject({ level: LEVEL.info, msg: 'refused requests' });
    expect(refused).toEqual({
      missing: 1,
      // Not one of our tokens' shape.
      malformed: 2,
      origin_forbidden: 1,
      host_forbidden: 1,
      session_not_found: 1,
      gateway_not_found: 1,
    });
    expect(total).toBe(7);
    expect(logs.text()).not.toContain('tg_not-a-real-token');

    refusals.flush();
    expect(logs.lines.slice(seen)).toHaveLength(1);
  });

  it('logs what is left when the proxy drains', async () => {
    const own = captureLogs();
    const other = await h.startProxy({}, { log: own.log });
    const otherUrl = url.replace(proxy.url, other.url);
    expect((await rpc(otherUrl, { jsonrpc: '2.0', id: 1, method: 'ping' })).status).toBe(401);
    expect(own.lines.filter((l) => l.msg === 'refused requests')).toEqual([]);
    await other.close();
    expect(own.lines.filter((l) => l.msg === 'refused requests')).toMatchObject([
      { refused: { missing: 1 }, total: 1 },
    ]);
  });
});
