import { readFile } from 'node:fs/promises';
import { createLogger } from '@toolgate/core/logger';
import { seedTenant, type TestDatabase } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createSandboxBackend } from './sandbox/sandbox-backend.ts';
import {
  EVERYTHING,
  RUNNER_KEY,
  type TestRunner,
  connectClient,
  mcpUrl,
  openTestDatabase,
  seedStdioServer,
  startTestRunner,
  textOf,
} from './testing/runner-kit.ts';

const IDLE_MS = 1_000;
const START_TIMEOUT_MS = 2_000;
/** Not token-shaped: only the installation's own secret list can redact it. */
const PLAIN_SECRET = 'correct-horse-battery-staple';
const TOKEN_SHAPED = `ghp_${'A1b2C3d4'.repeat(5)}`;

let db: TestDatabase;
let runner: TestRunner;
let tenant: string;
const clients: Client[] = [];

beforeAll(async () => {
  db = await openTestDatabase(inject('postgresUrl'));
  const backend = await createSandboxBackend({ log: createLogger({ name: 'runner-test', level: 'silent' }) });
  runner = await startTestRunner(db, backend, {
    RUNNER_IDLE_STOP_MS: String(IDLE_MS),
    RUNNER_START_TIMEOUT_MS: String(START_TIMEOUT_MS),
    RUNNER_MAX_STDOUT_BYTES: String(256 * 1024),
  });
  tenant = (await seedTenant(db.db)).id;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await runner?.close();
  await db?.destroy();
});

async function client(installationId: string): Promise<Client> {
  const c = await connectClient(mcpUrl(runner, tenant, installationId));
  clients.push(c);
  return c;
}

const node = (script: string) => ({ command: process.execPath, args: ['-e', script] });

async function serverLog(installationId: string): Promise<{ stream: string; line: string }[]> {
  const res = await fetch(`${runner.url}/tenants/${tenant}/servers/${installationId}/log`, {
    headers: { authorization: `Bearer ${RUNNER_KEY}` },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/x-ndjson');
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { stream: string; line: string });
}

describe('server lifecycle', () => {
  it('stops an idle server and starts it again on the next use, keeping the session', async () => {
    const { installation } = await seedStdioServer(db.db, tenant, {
      command: process.execPath,
      args: [EVERYTHING, 'stdio'],
    });
    const c = await client(installation.id);
    const host = (await runner.runner.hosts.existing(tenant, installation.id))!;
    const firstPid = host.pid;
    expect(firstPid).toBeGreaterThan(0);
    await eventually(() => expect(host.state).toBe('stopped'), 10_000);
    expect(host.pid).toBeUndefined();
    expect(await pidAlive(firstPid!)).toBe(false);

    const echoed = await c.callTool({ name: 'echo', arguments: { message: 'cold start' } });
    expect(textOf(echoed)).toContain('cold start');
    expect(host.state).toBe('running');
    expect(host.pid).not.toBe(firstPid);
    expect((await serverLog(installation.id)).map((l) => l.line)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^stopping: no activity for 1000 ms/)]),
    );
  });

  it('restarts a server that crashed, on the next request', async () => {
    const { installation } = await seedStdioServer(db.db, tenant, {
      command: process.execPath,
      args: [EVERYTHING, 'stdio'],
    });
    const c = await client(installation.id);
    const host = (await runner.runner.hosts.existing(tenant, installation.id))!;
    const pid = host.pid!;
    process.kill(pid, 'SIGKILL');
    await eventually(() => expect(host.restarts, JSON.stringify(host.log.entries())).toBe(1));
    expect(host.reason).toMatch(/^the server crashed: killed by SIGKILL/);
    const sum = await c.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
    expect(textOf(sum)).toContain('3');
    expect(host.state).toBe('running');
    expect(host.pid).not.toBe(pid);
  });

  it('answers a clear error naming why a command that exits at once failed, and redacts its secrets', async () => {
    const { installation } = await seedStdioServer(
      db.db,
      tenant,
      {
        ...node(
          `console.error('loading config'); console.error('login refused for API_KEY ' + process.env.API_KEY + ' and token ${TOKEN_SHAPED}'); process.exit(3)`,
        ),
        installFields: [
          { key: 'apiKey', label: 'API key', secret: true, target: { kind: 'env', name: 'API_KEY' } },
        ],
      },
      { apiKey: PLAIN_SECRET },
    );
    const error = await connectClient(mcpUrl(runner, tenant, installation.id)).then(
      () => new Error('connected'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toContain(
      'the server exited at start (code 3): login refused for API_KEY [redacted]',
    );
    expect(error.message).not.toContain(PLAIN_SECRET);
    expect(error.message).not.toContain(TOKEN_SHAPED);

    const host = (await runner.runner.hosts.existing(tenant, installation.id))!;
    // It keeps failing at start: after a few attempts it is marked failed, with the reason.
    for (let attempt = 0; attempt < 3 && host.state !== 'failed'; attempt++)
      await connectClient(mcpUrl(runner, tenant, installation.id)).catch(() => {});
    expect(host.state).toBe('failed');
    expect(host.reason).toMatch(/^the server exited at start \(code 3\)/);

    const lines = await serverLog(installation.id);
    const stderr = lines.filter((l) => l.stream === 'stderr').map((l) => l.line);
    expect(stderr).toContain('loading config');
    expect(
      stderr.some((l) => l.startsWith('login refused for API_KEY [redacted] and token [redacted]')),
    ).toBe(true);
    const all = JSON.stringify(lines);
    expect(all).not.toContain(PLAIN_SECRET);
    expect(all).not.toContain(TOKEN_SHAPED);
  });

  it('stops a server that never answers initialize, with that reason', async () => {
    const { installation } = await seedStdioServer(db.db, tenant, node('setInterval(() => {}, 1000)'));
    await expect(connectClient(mcpUrl(runner, tenant, installation.id))).rejects.toThrow(
      `the server did not answer initialize within ${START_TIMEOUT_MS} ms`,
    );
    const host = (await runner.runner.hosts.existing(tenant, installation.id))!;
    expect(host.pid).toBeUndefined();
  });

  it('stops a server that floods stdout', async () => {
    const { installation } = await seedStdioServer(
      db.db,
      tenant,
      node(
        `const line = 'x'.repeat(1023) + '\\n'; setInterval(() => { for (let i = 0; i < 64; i++) process.stdout.write(line); }, 1)`,
      ),
    );
    await expect(connectClient(mcpUrl(runner, tenant, installation.id))).rejects.toThrow(
      'the server was stopped at start: it wrote over 262144 bytes of non-MCP output to stdout',
    );
  });
});

async function pidAlive(pid: number): Promise<boolean> {
  return readFile(`/proc/${pid}/stat`, 'utf8').then(
    (stat) => !/^\d+ \(.*\) Z/.test(stat),
    () => false,
  );
}
