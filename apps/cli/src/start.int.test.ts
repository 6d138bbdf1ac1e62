import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEmptyDatabase } from '@toolgate/db/testing';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { childEnv, runCli, startToolgate } from './testing/run-cli.ts';

const tempDirs: string[] = [];
async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tg-start-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

const ports = { WEB_PORT: '0', PROXY_PORT: '0', WORKER_PORT: '0' };

/**
 * `checks`: the dependencies each process checks (no Redis check with the in-process bus). URLs
 * people open say localhost; the runner's is an internal address, its listening one.
 */
async function expectReady(base: string | undefined, checks: string[], host = 'localhost'): Promise<void> {
  expect(base).toMatch(new RegExp(`^http://${host}:\\d+$`));
  const health = await fetch(`${base}/healthz`);
  expect(health.status).toBe(200);
  const ready = await fetch(`${base}/readyz`);
  const body = (await ready.json()) as { ready: boolean; checks: Record<string, { ok: boolean }> };
  expect(ready.status).toBe(200);
  expect(body).toMatchObject({ status: 'ok', ready: true });
  expect(Object.keys(body.checks).sort()).toEqual(checks);
  for (const name of checks) expect(body.checks[name]).toMatchObject({ ok: true });
}

async function isClosed(base: string): Promise<boolean> {
  try {
    await fetch(`${base}/healthz`);
    return false;
  } catch {
    return true;
  }
}

describe('toolgate start (embedded defaults)', () => {
  it('serves web, proxy and worker, bootstraps a tenant, and stops cleanly on SIGTERM', async () => {
    const dataDir = await tempDataDir();
    const env = childEnv({ ...ports, TOOLGATE_DATA_DIR: dataDir });
    const app = await startToolgate('start', env);
    try {
      expect(app.output()).toContain('Database   embedded');
      expect(app.output()).toContain('Bus        in-process');
      await expectReady(app.urls.web, ['postgres']);
      await expectReady(app.urls.worker, ['postgres']);
      // The proxy runs in its own process and checks the bus it reaches over its IPC channel.
      await expectReady(app.urls.proxy, ['bus', 'postgres']);
      // Self-hosted servers: a runner in this process (sandboxed where the host can, else plain).
      await expectReady(app.urls.runner, ['postgres'], '127.0.0.1');
      const pids = app
        .output()
        .match(/Processes {2}pid (\d+): web, worker, runner, database, bus\n\s+pid (\d+): proxy/);
      expect(Number(pids?.[1])).toBe(app.child.pid);
      const proxyPid = Number(pids?.[2]);
      expect(proxyPid).not.toBe(app.child.pid);

      const page = await fetch(`${app.urls.web}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('One governed endpoint for all your MCP servers.');
      const proxied = await fetch(`${app.urls.proxy}/healthz`, { headers: { 'x-request-id': 'req-123' } });
      expect(proxied.headers.get('x-request-id')).toBe('req-123');

      // A second process finds the running embedded database instead of opening its files.
      const boot = await runCli(
        ['bootstrap', '--tenant', 'acme', '--email', 'owner@acme.test', '--password', 'hunter22!'],
        env,
      );
      expect(boot.stderr).toBe('');
      expect(boot.code).toBe(0);
      const printed = JSON.parse(boot.stdout) as { tenant: string; adminToken: string };
      expect(Object.keys(printed).sort()).toEqual(['adminToken', 'tenant']);
      expect(printed.tenant).toBe('acme');
      expect(printed.adminToken).toMatch(/^tg_[0-9A-Za-z]{46}$/);
      const again = await runCli(
        ['bootstrap', '--tenant', 'acme', '--email', 'x@acme.test', '--password', 'hunter22!'],
        env,
      );
      expect(again.code).toBe(3);
      expect(again.stderr).toContain('tenant "acme" already exists');

      // The banner's MCP line is the gateway URL the UI and the API hand out.
      const created = await fetch(`${app.urls.web}/api/v1/gateways`, {
        method: 'POST',
        headers: { authorization: `Bearer ${printed.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ slug: 'dev', name: 'Dev' }),
      });
      expect(created.status).toBe(201);
      const gateway = (await created.json()) as { url: string };
      expect(app.output()).toContain(`MCP        ${app.urls.proxy}/mcp/{tenant}/{gateway}\n`);
      expect(gateway.url).toBe(`${app.urls.proxy}/mcp/acme/dev`);

      // The proxy process dies: toolgate start restarts it on the same port, and the new process
      // hears of configuration changes the UI makes (the bus over the IPC channel).
      process.kill(proxyPid, 'SIGKILL');
      await eventually(() => expect(app.output()).toContain('the proxy process exited; restarting it'));
      const mcp = (slug: string) =>
        fetch(`${app.urls.proxy}/mcp/acme/${slug}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${printed.adminToken}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: {
              protocolVersion: '2025-11-25',
              capabilities: {},
              clientInfo: { name: 't', version: '1' },
            },
          }),
        });
      await eventually(async () => expect((await mcp('dev')).status).toBe(200), 30_000);
      expect((await mcp('later')).status).toBe(404);
      const later = await fetch(`${app.urls.web}/api/v1/gateways`, {
        method: 'POST',
        headers: { authorization: `Bearer ${printed.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ slug: 'later', name: 'Later' }),
      });
      expect(later.status).toBe(201);
      await eventually(async () => expect((await mcp('later')).status).toBe(200));
    } finally {
      expect(await app.stop()).toBe(0);
    }
    for (const url of Object.values(app.urls)) expect(await isClosed(url)).toBe(true);
  });
});

describe('toolgate start (distributed: Postgres + Redis)', () => {
  const pgUrl = inject('postgresUrl');
  const redisUrl = inject('redisUrl');
  /** An empty database on the test Postgres and the environment that points `toolgate` at it and Redis. */
  const distributed = async () => {
    const database = await createEmptyDatabase(pgUrl);
    const env = childEnv({
      ...ports,
      TOOLGATE_DATA_DIR: await tempDataDir(),
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
    });
    return { database, env };
  };

  it.skipIf(!pgUrl || !redisUrl)('migrates an empty database and reports both services ready', async () => {
    const { database, env } = await distributed();
    try {
      const app = await startToolgate('start', env);
      try {
        expect(app.output()).toContain('Database   postgres');
        expect(app.output()).toContain('Bus        redis');
        // The proxy process uses Redis itself, not its parent's bus.
        for (const [name, url] of Object.entries(app.urls))
          await expectReady(url, ['postgres', 'redis'], name === 'runner' ? '127.0.0.1' : 'localhost');
        // A runner only where this host can sandbox (shared deployments never run plain processes).
        const runner = existsSync('/usr/bin/bwrap') ? ', runner' : '';
        expect(app.output()).toContain(`Processes  pid ${app.child.pid}: web, worker${runner}\n`);
        expect(app.urls.runner !== undefined).toBe(runner !== '');
      } finally {
        expect(await app.stop()).toBe(0);
      }
    } finally {
      await database.destroy();
    }
  });

  it.skipIf(!pgUrl || !redisUrl)('the proxy process ends with toolgate start, even on SIGKILL', async () => {
    const { database, env } = await distributed();
    try {
      const app = await startToolgate('start', env);
      const proxyPid = Number(app.output().match(/pid (\d+): proxy/)?.[1]);
      expect(proxyPid).toBeGreaterThan(0);
      app.child.kill('SIGKILL');
      await eventually(() => expect(isRunning(proxyPid)).toBe(false));
      expect(await isClosed(app.urls.proxy!)).toBe(true);
    } finally {
      await database.destroy();
    }
  });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('configuration errors', () => {
  it.each([
    ['PROXY_PORT', { PROXY_PORT: 'eighty' }, /PROXY_PORT: .*got "eighty"/],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db.example/x' }, /DATABASE_URL: must be a postgres:\/\/ URL/],
    [
      'TOOLGATE_SESSION_KEYS',
      { TOOLGATE_SESSION_KEYS: 'not-a-key' },
      /TOOLGATE_SESSION_KEYS: must be "keyId:base64/,
    ],
  ])('a bad %s stops start-up with a message naming it and exit code 78', async (_name, bad, message) => {
    const run = await runCli(
      ['start'],
      childEnv({ ...ports, TOOLGATE_DATA_DIR: await tempDataDir(), ...bad }),
    );
    expect(run.code).toBe(78);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).not.toContain('Toolgate is running');
  });

  it('an unknown command prints usage and exits 64', async () => {
    const run = await runCli(['frobnicate'], childEnv({}));
    expect(run.code).toBe(64);
    expect(run.stderr).toContain('unknown command "frobnicate"');
  });
});
