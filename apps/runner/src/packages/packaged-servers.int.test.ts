import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createLogger } from '@toolgate/core/logger';
import { installations } from '@toolgate/db/schema';
import { seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { packagesDir } from '../build-runner.ts';
import { recordPackageVersion } from '../registry/load-installation.ts';
import { createProcessBackend } from '../sandbox/process-backend.ts';
import { createSandboxBackend } from '../sandbox/sandbox-backend.ts';
import {
  RUNNER_KEY,
  type TestRunner,
  connectClient,
  mcpUrl,
  openTestDatabase,
  seedStdioServer,
  startTestRunner,
  textOf,
} from '../testing/runner-kit.ts';

// Real installs from the npm registry (two versions of one small server), into this file's cache.
const PACKAGE = '@modelcontextprotocol/server-memory';
const STABLE = '2026.8.31';
const CANARY = '2026.7.4';
// Its default memory file is next to its code, which the sandbox shows read-only.
const MEMORY_ENV = { MEMORY_FILE_PATH: '/home/server/memory.jsonl' };

let db: TestDatabase;
let runner: TestRunner;
let tenant: string;
let otherTenant: string;
const clients: Client[] = [];

beforeAll(async () => {
  db = await openTestDatabase(inject('postgresUrl'));
  const log = createLogger({ name: 'runner-test', level: 'silent' });
  // As server.ts makes it: the data dir protected, only folders of its package cache shown.
  runner = await startTestRunner(db, (dataDir) =>
    createSandboxBackend({ log, protectedPaths: [dataDir], packagesDir: packagesDir(dataDir) }),
  );
  tenant = (await seedTenant(db.db)).id;
  otherTenant = (await seedTenant(db.db)).id;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await runner?.close();
  await db?.destroy();
});

async function client(installationId: string, variant?: 'canary', tenantId = tenant): Promise<Client> {
  const c = await connectClient(mcpUrl(runner, tenantId, installationId, variant));
  clients.push(c);
  return c;
}

const startError = (installationId: string) =>
  connectClient(mcpUrl(runner, tenant, installationId)).then(
    () => new Error('connected'),
    (e: unknown) => e as Error,
  );

async function serverLog(installationId: string, query = ''): Promise<{ status: number; lines: string[] }> {
  const res = await fetch(`${runner.url}/tenants/${tenant}/servers/${installationId}/log${query}`, {
    headers: { authorization: `Bearer ${RUNNER_KEY}` },
  });
  const text = await res.text();
  if (res.status !== 200) return { status: res.status, lines: [text] };
  return {
    status: res.status,
    lines: text
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { line: string }).line),
  };
}

const installedMessages = () => runner.logs.filter((l) => l.msg === 'package installed');

describe('packaged servers (npm, in the sandbox)', () => {
  it('installs the exact version, runs its bin in the sandbox, and records the version', async () => {
    const { installation } = await seedStdioServer(db.db, tenant, {
      package: PACKAGE,
      version: STABLE,
      env: MEMORY_ENV,
    });
    const c = await client(installation.id);
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['create_entities', 'read_graph']));
    await c.callTool({
      name: 'create_entities',
      arguments: { entities: [{ name: 'runner', entityType: 'app', observations: ['packaged'] }] },
    });
    expect(textOf(await c.callTool({ name: 'read_graph', arguments: {} }))).toContain('packaged');

    const folder = join(packagesDir(runner.dataDir), `@modelcontextprotocol+server-memory@${STABLE}`);
    const manifest = JSON.parse(
      await readFile(join(folder, 'node_modules', PACKAGE, 'package.json'), 'utf8'),
    ) as { version: string };
    expect(manifest.version).toBe(STABLE);
    expect((await serverLog(installation.id)).lines).toContain(`running ${PACKAGE}@${STABLE}`);
    await eventually(async () => {
      const [row] = await db.db.select().from(installations).where(eq(installations.id, installation.id));
      expect(row?.packageVersion).toBe(STABLE);
    });
    // Recording is scoped to the tenant: another tenant's id changes nothing.
    await recordPackageVersion({
      db: db.db,
      tenantId: otherTenant,
      installationId: installation.id,
      version: '6.6.6',
    });
    const [row] = await db.db.select().from(installations).where(eq(installations.id, installation.id));
    expect(row?.packageVersion).toBe(STABLE);
  });

  it('runs an entry command with the package bins on PATH', async () => {
    const { installation } = await seedStdioServer(db.db, tenant, {
      command: 'mcp-server-memory',
      package: PACKAGE,
      version: STABLE,
      env: MEMORY_ENV,
    });
    const c = await client(installation.id);
    expect((await c.listTools()).tools.map((t) => t.name)).toContain('read_graph');
    // The version was installed by the test before: the cache is used, nothing is installed again.
    expect(installedMessages().filter((l) => JSON.stringify(l).includes(STABLE))).toHaveLength(1);
  });

  it('runs from the host folder with the process backend (development), from the same cache', async () => {
    const log = createLogger({ name: 'runner-test', level: 'silent' });
    const plain = await startTestRunner(db, createProcessBackend({ log }), {
      RUNNER_DATA_DIR: runner.dataDir,
    });
    try {
      const { installation } = await seedStdioServer(db.db, tenant, {
        package: PACKAGE,
        version: STABLE,
        env: { MEMORY_FILE_PATH: join(runner.dataDir, 'plain-memory.jsonl') },
      });
      const c = await connectClient(mcpUrl(plain, tenant, installation.id));
      clients.push(c);
      expect((await c.listTools()).tools.map((t) => t.name)).toContain('read_graph');
      expect(plain.logs.filter((l) => l.msg === 'package installed')).toHaveLength(0);
    } finally {
      await plain.close();
    }
  });

  it('refuses a version that is not exact, without installing anything', async () => {
    for (const version of ['^2026.8.31', 'latest']) {
      const { installation } = await seedStdioServer(db.db, tenant, { package: PACKAGE, version });
      expect((await startError(installation.id)).message).toContain(
        `version "${version}" of ${PACKAGE} is not an exact version`,
      );
    }
    const { installation } = await seedStdioServer(db.db, tenant, { package: PACKAGE });
    expect((await startError(installation.id)).message).toContain(`no version of ${PACKAGE} to run`);
  });

  it('fails a version that does not exist with that reason, and marks the server failed', async () => {
    const { installation } = await seedStdioServer(db.db, tenant, { package: PACKAGE, version: '1999.1.1' });
    expect((await startError(installation.id)).message).toContain(
      `npm could not install ${PACKAGE}@1999.1.1: no such version`,
    );
    // Not retried at every request: failed (with the reason) until its back-off has passed.
    const host = (await runner.runner.hosts.existing(tenant, installation.id))!;
    expect(host.state).toBe('failed');
    expect(host.reason).toContain('no such version');
    const res = await fetch(`${runner.url}/tenants/${tenant}/servers/${installation.id}/log`, {
      headers: { authorization: `Bearer ${RUNNER_KEY}` },
    });
    expect(res.headers.get('x-server-state')).toBe('failed');
  });

  it('fails a package that does not exist with that reason', async () => {
    const name = `toolgate-no-such-package-${Math.random().toString(36).slice(2, 10)}`;
    const { installation } = await seedStdioServer(db.db, tenant, { package: name, version: '1.0.0' });
    expect((await startError(installation.id)).message).toContain(
      `npm could not install ${name}@1.0.0: no such package`,
    );
    expect(
      await stat(join(packagesDir(runner.dataDir), `${name}@1.0.0`)).catch(() => undefined),
    ).toBeUndefined();
  });
});

describe('canary variant', () => {
  it('runs the canary version as a server of its own; sessions do not cross variants', async () => {
    const { installation } = await seedStdioServer(
      db.db,
      tenant,
      { package: PACKAGE, version: STABLE, env: MEMORY_ENV },
      undefined,
      { canaryVersion: CANARY, canaryPercent: 10 },
    );
    // Another installation pinned to the canary's version, started at the same time: one install.
    const pinned = await seedStdioServer(
      db.db,
      tenant,
      { package: PACKAGE, version: STABLE, env: MEMORY_ENV },
      undefined,
      { pinnedVersion: CANARY },
    );
    const [canary, stable] = await Promise.all([
      client(installation.id, 'canary'),
      client(installation.id),
      client(pinned.installation.id),
    ]);
    expect(installedMessages().filter((l) => JSON.stringify(l).includes(CANARY))).toHaveLength(1);
    expect((await canary.listTools()).tools.map((t) => t.name)).toContain('read_graph');
    expect((await stable.listTools()).tools.map((t) => t.name)).toContain('read_graph');

    expect((await serverLog(installation.id, '?variant=canary')).lines).toContain(
      `running ${PACKAGE}@${CANARY}`,
    );
    expect((await serverLog(installation.id)).lines).toContain(`running ${PACKAGE}@${STABLE}`);
    const stableHost = (await runner.runner.hosts.existing(tenant, installation.id))!;
    const canaryHost = (await runner.runner.hosts.existing(tenant, installation.id, 'canary'))!;
    expect(canaryHost).not.toBe(stableHost);
    expect(canaryHost.pid).not.toBe(stableHost.pid);
    // The stable version is the one recorded; the canary's is canary_version.
    await eventually(async () => {
      const rows = await db.db.select().from(installations).where(eq(installations.id, installation.id));
      expect(rows[0]?.packageVersion).toBe(STABLE);
      const pinnedRows = await db.db
        .select()
        .from(installations)
        .where(eq(installations.id, pinned.installation.id));
      expect(pinnedRows[0]?.packageVersion).toBe(CANARY);
    });

    // A session opened on one variant is unknown on the other.
    const sessionOf = (c: Client) => (c.transport as StreamableHTTPClientTransport).sessionId!;
    for (const [session, variant] of [
      [sessionOf(canary), undefined],
      [sessionOf(stable), 'canary'],
    ] as const) {
      const res = await fetch(mcpUrl(runner, tenant, installation.id, variant), {
        method: 'POST',
        headers: {
          authorization: `Bearer ${RUNNER_KEY}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': session,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('Session not found');
    }
  });

  it('answers 409 for the canary of an installation without one, 404 for another tenant’s, 400 for another variant', async () => {
    const { installation } = await seedStdioServer(db.db, tenant, { package: PACKAGE, version: STABLE });
    const none = await serverLog(installation.id, '?variant=canary');
    expect(none.status).toBe(409);
    expect(none.lines[0]).toContain(`installation ${installation.id} has no canary`);
    await expect(client(installation.id, 'canary')).rejects.toThrow(/has no canary/);
    expect((await serverLog(installation.id, '?variant=beta')).status).toBe(400);

    const theirs = await seedStdioServer(
      db.db,
      otherTenant,
      { package: PACKAGE, version: STABLE },
      undefined,
      { canaryVersion: CANARY, canaryPercent: 50 },
    );
    expect((await serverLog(theirs.installation.id, '?variant=canary')).status).toBe(404);
  });
});
