import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readServerLog } from '@toolgate/api/services/server-log';
import { createBus, type Bus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { runnerKey } from '@toolgate/core/runner-auth';
import { RunnerDirectory } from '@toolgate/mcp/runner-routing';
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
import { inCanary } from '@toolgate/proxy/backend/canary-split';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openSession, postRpc } from './testing/mcp-session.ts';
import { childEnv, REPO_ROOT, startToolgate, type StartedToolgate } from './testing/run-cli.ts';

const postgresUrl = inject('postgresUrl');
const redisUrl = inject('redisUrl');
const NODE_MODULES = join(REPO_ROOT, 'node_modules');
const MEMORY = join(NODE_MODULES, '@modelcontextprotocol/server-memory/dist/index.js');
const EVERYTHING = join(NODE_MODULES, '@modelcontextprotocol/server-everything/dist/index.js');
const bwrapAvailable = existsSync('/usr/bin/bwrap');

/**
 * Runners are found through the bus, so this file's processes use a Redis database of their own:
 * runners of other test files (other databases) are never picked by these proxies.
 */
function ownRedisDatabase(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/9';
  return parsed.toString();
}

type Rpc = { result?: Record<string, unknown>; error?: { code: number; message: string } };

const text = (answer: Rpc) =>
  ((answer.result?.content as { text?: string }[] | undefined) ?? []).map((c) => c.text ?? '').join('\n');

/**
 * Self-hosted servers on a runner, as deployed: one `toolgate runner` and two `toolgate proxy`
 * processes sharing Postgres and Redis. Proxies route stdio installations to the runner announced
 * on the bus, so one sandboxed server instance serves both.
 */
describe.skipIf(!postgresUrl || !redisUrl || !bwrapAvailable)('self-hosted servers on a runner', () => {
  let db: TestDatabase;
  let dataDir: string;
  let runner: StartedToolgate | undefined;
  const proxies: StartedToolgate[] = [];
  let gatewayPath = '';
  let token = '';
  let env: NodeJS.ProcessEnv;
  let tenantId = '';
  const installationIds = new Map<string, string>();
  let bus: Bus | undefined;
  /** Callers of the packaged server with a canary: their token and whether the split sends them there. */
  const canaryCallers: { token: string; canary: boolean }[] = [];
  const CANARY_PERCENT = 30;

  beforeAll(async () => {
    db = await createTestDatabase(postgresUrl);
    dataDir = await mkdtemp(join(tmpdir(), 'toolgate-runners-'));
    const tenant = await seedTenant(db.db);
    const gateway = await seedGateway(db.db, tenant.id);
    const servers: { slug: string; args: string[]; env: Record<string, string>; tools: string[] }[] = [
      {
        slug: 'memory',
        args: [MEMORY],
        // Its default file is next to its code, which the sandbox mounts read-only.
        env: { MEMORY_FILE_PATH: '/home/server/memory.jsonl' },
        tools: ['create_entities', 'read_graph'],
      },
      { slug: 'everything', args: [EVERYTHING, 'stdio'], env: {}, tools: ['get-env'] },
      {
        slug: 'broken',
        args: ['-e', 'console.error("no config here"); process.exit(3)'],
        env: {},
        tools: ['x'],
      },
    ];
    for (const server of servers) {
      const entry = await seedRegistryEntry(db.db, tenant.id, {
        slug: server.slug,
        transport: 'stdio',
        url: null,
        command: process.execPath,
        args: server.args,
        env: server.env,
      });
      const installation = await seedInstallation(db.db, tenant.id, entry.id);
      installationIds.set(server.slug, installation.id);
      await seedTools(
        db.db,
        tenant.id,
        installation.id,
        server.tools.map((name) => ({ name })),
      );
      await seedAssignments(
        db.db,
        tenant.id,
        gateway.id,
        server.tools.map((toolName) => ({ registryEntryId: entry.id, toolName })),
      );
    }
    token = (await seedApiToken(db.db, tenant.id)).token;
    tenantId = tenant.id;

    // A packaged server (installed by the runner from npm) with a canary on an older version.
    const notes = await seedRegistryEntry(db.db, tenant.id, {
      slug: 'notes',
      transport: 'stdio',
      url: null,
      command: null,
      package: '@modelcontextprotocol/server-memory',
      version: '2026.8.31',
      env: { MEMORY_FILE_PATH: '/home/server/memory.jsonl' },
    });
    const notesInstallation = await seedInstallation(db.db, tenant.id, notes.id, {
      canaryVersion: '2026.7.4',
      canaryPercent: CANARY_PERCENT,
      canaryStartedAt: new Date(),
    });
    installationIds.set('notes', notesInstallation.id);
    await seedTools(db.db, tenant.id, notesInstallation.id, [
      { name: 'create_entities' },
      { name: 'read_graph' },
    ]);
    await seedAssignments(db.db, tenant.id, gateway.id, [
      { registryEntryId: notes.id, toolName: 'create_entities' },
      { registryEntryId: notes.id, toolName: 'read_graph' },
    ]);
    for (let n = 0; n < 200; n++) {
      const caller = await seedApiToken(db.db, tenant.id);
      canaryCallers.push({
        token: caller.token,
        canary: inCanary(notesInstallation.id, `token:${caller.id}`, CANARY_PERCENT),
      });
    }
    gatewayPath = `/mcp/${tenant.slug}/${gateway.slug}`;

    env = childEnv({
      DATABASE_URL: db.url,
      REDIS_URL: ownRedisDatabase(redisUrl),
      TOOLGATE_SESSION_KEYS: generateKeySpec('s1'),
      TOOLGATE_SECRET_KEYS: generateKeySpec('k1'),
      // A marker the servers must never see.
      TOOLGATE_RUNNER_TEST_MARKER: 'leaked-marker',
    });
    runner = await startToolgate('runner', {
      ...env,
      RUNNER_PORT: '0',
      RUNNER_DATA_DIR: dataDir,
      RUNNER_READONLY_PATHS: NODE_MODULES,
    });
    // The first call of the packaged server waits for its npm install on the runner.
    const proxyEnv = {
      ...env,
      PROXY_PORT: '0',
      TOOLGATE_RUNNERS: 'true',
      UPSTREAM_CONNECT_TIMEOUT_MS: '120000',
    };
    proxies.push(
      ...(await Promise.all([startToolgate('proxy', proxyEnv), startToolgate('proxy', proxyEnv)])),
    );
  });

  afterAll(async () => {
    for (const p of [...proxies, runner]) if (p && p.child.exitCode === null) await p.stop();
    await bus?.close();
    await db?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const call = async (
    proxy: StartedToolgate,
    name: string,
    args: Record<string, unknown> = {},
    as = token,
  ): Promise<Rpc> => {
    const url = `${proxy.urls.proxy}${gatewayPath}`;
    const headers = await openSession(url, as);
    const answer = await postRpc(
      url,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } },
      headers,
    );
    return answer.json ?? {};
  };

  it('serves one server instance to both proxies: state written through one is read through the other', async () => {
    const [a, b] = proxies as [StartedToolgate, StartedToolgate];
    const entity = `entity-${Date.now()}`;
    const created = await call(a, 'memory__create_entities', {
      entities: [{ name: entity, entityType: 'test', observations: ['written through proxy A'] }],
    });
    expect(created.error).toBeUndefined();
    expect(created.result?.isError).not.toBe(true);
    const graph = await call(b, 'memory__read_graph');
    expect(graph.error).toBeUndefined();
    expect(text(graph)).toContain(entity);
    expect(text(graph)).toContain('written through proxy A');
  });

  it("gives the server none of Toolgate's environment", async () => {
    const answer = await call(proxies[1]!, 'everything__get-env');
    expect(answer.error).toBeUndefined();
    const seen = text(answer);
    expect(seen).toContain('PATH');
    for (const leaked of ['DATABASE_URL', 'TOOLGATE_SECRET_KEYS', 'REDIS_URL', 'leaked-marker', db.url])
      expect(seen).not.toContain(leaked);
  });

  it('answers a clear tool error when the server exits at start', async () => {
    const answer = await call(proxies[0]!, 'broken__x');
    const message = answer.error?.message ?? text(answer);
    expect(message).toMatch(/exited at start \(code 3\)/);
    expect(message).toContain('no config here');
  });

  it('splits callers between a packaged server and its canary, each caller always on its side', async () => {
    // Each caller writes an entity named after itself through either proxy; the stable and the
    // canary servers are separate instances, so each side's graph holds exactly its callers.
    for (const [n, caller] of canaryCallers.entries()) {
      const answer = await call(
        proxies[n % 2]!,
        'notes__create_entities',
        { entities: [{ name: `caller-${n}`, entityType: 'caller', observations: [] }] },
        caller.token,
      );
      expect(answer.error).toBeUndefined();
      expect(answer.result?.isError).not.toBe(true);
    }
    const onSide = async (canary: boolean) => {
      const reader = canaryCallers.find((c) => c.canary === canary)!;
      const graph = JSON.parse(text(await call(proxies[1]!, 'notes__read_graph', {}, reader.token))) as {
        entities: { name: string }[];
      };
      return new Set(graph.entities.map((e) => e.name));
    };
    const [stable, canary] = [await onSide(false), await onSide(true)];
    canaryCallers.forEach((caller, n) => {
      expect((caller.canary ? canary : stable).has(`caller-${n}`), `caller ${n}`).toBe(true);
      expect((caller.canary ? stable : canary).has(`caller-${n}`), `caller ${n}`).toBe(false);
    });
    // The share itself is measured over fixed ids in apps/proxy (canary-split, canary-targets).
    expect(canary.size).toBeGreaterThan(0);
    expect(stable.size).toBeGreaterThan(0);
  });

  it("shows the server's log, as the web app reads it from the runner: stderr and why it failed", async () => {
    bus = createBus({ redisUrl: ownRedisDatabase(redisUrl) });
    const runners = {
      directory: new RunnerDirectory(bus.runners),
      key: runnerKey(parseKeyRing(env.TOOLGATE_SECRET_KEYS!)),
    };
    const read = (slug: string) =>
      readServerLog({
        db: db.db,
        tenantId,
        actor: { userId: null, role: 'owner' },
        installationId: installationIds.get(slug)!,
        runners,
      });
    const broken = await read('broken');
    expect(['stopped', 'failed']).toContain(broken.state);
    expect(broken.lines).toContainEqual(
      expect.objectContaining({ stream: 'stderr', line: 'no config here' }),
    );
    expect(broken.lines.some((l) => l.stream === 'runner' && /exited at start \(code 3\)/.test(l.line))).toBe(
      true,
    );
    const running = await read('everything');
    expect(running.state).toBe('running');
  });

  it('says no runner is available once the runner has stopped', async () => {
    expect(await runner!.stop()).toBe(0);
    // The runner withdrew itself; proxies read the list every 2 s.
    const deadline = Date.now() + 15_000;
    let message = '';
    while (Date.now() < deadline) {
      const answer = await call(proxies[0]!, 'memory__read_graph');
      message = answer.error?.message ?? (answer.result?.isError ? text(answer) : '');
      if (/no runner is available/.test(message)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(message).toMatch(/no runner is available to run memory/);
  });
});
