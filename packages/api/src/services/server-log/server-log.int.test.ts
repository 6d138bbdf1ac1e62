import { randomBytes } from 'node:crypto';
import { createBus, type Bus } from '@toolgate/bus';
import { generateKeySpec, parseKeyRing } from '@toolgate/core/crypto';
import { runnerKey } from '@toolgate/core/runner-auth';
import { installations } from '@toolgate/db/schema';
import { seedInstallation, seedRegistryEntry } from '@toolgate/db/testing';
import { freePort } from '@toolgate/fixtures/test-kit';
import {
  RUNNER_ANNOUNCE_TTL_SECONDS,
  RunnerDirectory,
  type RunnerAccess,
} from '@toolgate/mcp/runner-routing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ZServerLog } from '../../schemas/server-log.ts';
import {
  actingAs,
  createTwoTenantEnv,
  failureOf,
  type ApiTestEnv,
  type SeededOrg,
} from '../../testing/api-test-env.ts';
import { failed, ok, restClient } from '../../testing/rest-client.ts';
import { callerAs, testServices, trpcError } from '../../trpc/testing/trpc-test-env.ts';
import { NO_RUNNERS_MESSAGE, NOT_SELF_HOSTED_MESSAGE, readServerLog } from './read-server-log.ts';
import { startRunnerLogServer, type RunnerLogServer } from './testing/runner-log-server.ts';

let env: ApiTestEnv;
let a: SeededOrg;
let b: SeededOrg;
let runner: RunnerLogServer;
let runners: RunnerAccess;
const cleanups: (() => unknown)[] = [];

/** A's self-hosted installations (org, the member's personal one, a disabled one), B's, and a remote one. */
const ids = { org: '', personal: '', disabled: '', remote: '', other: '' };

const LINES = [
  { time: '2026-12-07T10:00:00.000Z', stream: 'runner', line: 'started (pid 12)' },
  {
    time: '2026-12-07T10:00:01.000Z',
    stream: 'stderr',
    line: 'Secure MCP Filesystem Server running on stdio',
  },
  { time: '2026-12-07T10:00:02.000Z', stream: 'stderr', line: 'token=[redacted]' },
];

/** Runners as the web app finds them: announced on a bus of their own, read by a RunnerDirectory. */
async function runnersAt(urls: string[], key = runnerKey(env.secretKeys)): Promise<RunnerAccess> {
  const bus: Bus = createBus({
    redisUrl: inject('redisUrl') || undefined,
    prefix: `tglog-${randomBytes(4).toString('hex')}`,
  });
  for (const url of urls) await bus.runners.announce(url, RUNNER_ANNOUNCE_TTL_SECONDS);
  const directory = new RunnerDirectory(bus.runners);
  cleanups.push(
    () => directory.stop(),
    () => bus.close(),
  );
  return { directory, key };
}

async function stdioInstallation(org: SeededOrg, overrides: Partial<typeof installations.$inferInsert> = {}) {
  const entry = await seedRegistryEntry(env.db.db, org.tenant.id, {
    transport: 'stdio',
    url: null,
    command: 'node',
    args: ['server.js'],
  });
  return (await seedInstallation(env.db.db, org.tenant.id, entry.id, overrides)).id;
}

const as = (who: keyof SeededOrg['actors'], installationId: string, org = a) => ({
  ...actingAs(env, org, who),
  installationId,
  runners,
});

beforeAll(async () => {
  ({ env, a, b } = await createTwoTenantEnv());
  runner = await startRunnerLogServer(env.db.db, env.secretKeys);
  runners = await runnersAt([runner.url]);
  ids.org = await stdioInstallation(a);
  ids.personal = await stdioInstallation(a, { scope: 'personal', userId: a.member.id });
  ids.disabled = await stdioInstallation(a, { enabled: false });
  ids.other = await stdioInstallation(b);
  const remote = await seedRegistryEntry(env.db.db, a.tenant.id);
  ids.remote = (await seedInstallation(env.db.db, a.tenant.id, remote.id)).id;
  runner.host(a.tenant.id, ids.org, 'running', LINES);
  runner.host(b.tenant.id, ids.other, 'failed', [
    { time: '2026-12-07T09:00:00.000Z', stream: 'runner', line: "B's server exited at start (code 1)" },
  ]);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await runner?.close();
  await env?.close();
});

describe('readServerLog', () => {
  it("returns the runner's state and lines, oldest first, without naming the runner", async () => {
    const log = await readServerLog(as('admin', ids.org));
    expect(log).toEqual({ state: 'running', lines: LINES, truncated: false });
    expect(JSON.stringify(log)).not.toContain(runner.url);
    expect(runner.requests.at(-1)).toBe(`/tenants/${a.tenant.id}/servers/${ids.org}/log`);
  });

  it('answers stopped with no lines for a server that never ran on its runner', async () => {
    const installationId = await stdioInstallation(a);
    expect(await readServerLog(as('owner', installationId))).toEqual({
      state: 'stopped',
      lines: [],
      truncated: false,
    });
  });

  it("does not show another tenant's installation, and never asks the runner for it", async () => {
    const before = runner.requests.length;
    const err = await failureOf(() => readServerLog(as('owner', ids.other)));
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: 'Installation not found' });
    expect(runner.requests).toHaveLength(before);
    // B's own admin reads B's log, not A's.
    const log = await readServerLog(as('admin', ids.other, b));
    expect(log.state).toBe('failed');
    expect(log.lines.map((l) => l.line)).toEqual(["B's server exited at start (code 1)"]);
  });

  it('is for those who manage the installation: a member reads their own, not the org’s', async () => {
    const err = await failureOf(() => readServerLog(as('member', ids.org)));
    expect(err).toMatchObject({
      code: 'FORBIDDEN',
      message: "Only owners and admins may read this server's log",
    });
    await expect(readServerLog(as('member', ids.personal))).resolves.toMatchObject({ state: 'stopped' });
    // Another member's personal installation does not exist for them.
    expect(await failureOf(() => readServerLog(as('otherMember', ids.personal)))).toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('refuses remote servers: only self-hosted ones have a log', async () => {
    const err = await failureOf(() => readServerLog(as('admin', ids.remote)));
    expect(err).toMatchObject({ code: 'CONFLICT', message: NOT_SELF_HOSTED_MESSAGE });
  });

  it('says the log is not kept when the deployment has no runners', async () => {
    const err = await failureOf(() => readServerLog({ ...as('admin', ids.org), runners: undefined }));
    expect(err).toMatchObject({ code: 'UNAVAILABLE', message: NO_RUNNERS_MESSAGE });
  });

  it('says so when no runner is live', async () => {
    const err = await failureOf(async () =>
      readServerLog({ ...as('admin', ids.org), runners: await runnersAt([]) }),
    );
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/No runner is running/);
  });

  it('is UNAVAILABLE when the runner is down, and the message does not name it', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const err = await failureOf(async () =>
      readServerLog({ ...as('admin', ids.org), runners: await runnersAt([down]) }),
    );
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/could not be reached \(connection failed\)/);
    expect(err.message).not.toContain('127.0.0.1');
  });

  it('gives up on a runner that does not answer', async () => {
    const hanging = await startRunnerLogServer(env.db.db, env.secretKeys);
    cleanups.push(() => hanging.close());
    hanging.misbehave({ hang: true });
    const started = Date.now();
    const err = await failureOf(async () =>
      readServerLog({ ...as('admin', ids.org), runners: await runnersAt([hanging.url]), timeoutMs: 300 }),
    );
    expect(err).toMatchObject({ code: 'UNAVAILABLE' });
    expect(err.message).toMatch(/no answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('says the keys differ when the runner refuses the runner key', async () => {
    const wrongKey = runnerKey(parseKeyRing(generateKeySpec('other')));
    const err = await failureOf(async () =>
      readServerLog({ ...as('admin', ids.org), runners: await runnersAt([runner.url], wrongKey) }),
    );
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toMatch(/TOOLGATE_SECRET_KEYS/);
  });

  it('says a turned-off server has no log until it runs again', async () => {
    const err = await failureOf(() => readServerLog(as('admin', ids.disabled)));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toMatch(/turned off/);
  });

  it("asks for the canary's log only when there is a canary", async () => {
    const err = await failureOf(() => readServerLog({ ...as('admin', ids.org), variant: 'canary' }));
    expect(err).toMatchObject({ code: 'CONFLICT' });
    expect(err.message).toMatch(/no canary/);
    await env.db.db
      .update(installations)
      .set({
        packageVersion: '1.0.0',
        canaryVersion: '1.1.0',
        canaryPercent: 10,
        canaryStartedAt: new Date(),
      })
      .where(eq(installations.id, ids.org));
    await readServerLog({ ...as('admin', ids.org), variant: 'canary' });
    expect(runner.requests.at(-1)).toBe(`/tenants/${a.tenant.id}/servers/${ids.org}/log?variant=canary`);
  });

  describe('a runner answering something else', () => {
    let odd: RunnerLogServer;
    let oddRunners: RunnerAccess;
    beforeAll(async () => {
      odd = await startRunnerLogServer(env.db.db, env.secretKeys);
      cleanups.push(() => odd.close());
      oddRunners = await runnersAt([odd.url]);
    });
    const read = () => readServerLog({ ...as('admin', ids.org), runners: oddRunners });

    it('skips lines that are not log entries, and an unknown state is unknown', async () => {
      odd.misbehave({
        status: 200,
        headers: { 'x-server-state': 'on fire' },
        body: `garbage\n${JSON.stringify(LINES[1])}\n{"time":1}\n`,
      });
      expect(await read()).toEqual({ state: 'unknown', lines: [LINES[1]], truncated: false });
    });

    it('reads at most the size bound of an answer and says it was cut', async () => {
      const line = JSON.stringify({ time: 't', stream: 'stderr', line: 'x'.repeat(1000) });
      odd.misbehave({
        status: 200,
        headers: { 'x-server-state': 'running' },
        body: `${line}\n`.repeat(2000),
      });
      const log = await read();
      expect(log.truncated).toBe(true);
      expect(log.lines.length).toBeGreaterThan(0);
      expect(log.lines.length).toBeLessThan(2000);
    });

    it('does not follow a redirect, so the runner key goes nowhere else', async () => {
      const elsewhere = await startRunnerLogServer(env.db.db, env.secretKeys);
      cleanups.push(() => elsewhere.close());
      odd.misbehave({ status: 307, headers: { location: `${elsewhere.url}/steal` }, body: '' });
      expect(await failureOf(read)).toMatchObject({ code: 'UNAVAILABLE' });
      expect(elsewhere.requests).toEqual([]);
    });

    it('is UNAVAILABLE on a runner error, naming the status only', async () => {
      odd.misbehave({ status: 500, body: '{"error":{"code":"INTERNAL","message":"boom"}}' });
      const err = await failureOf(read);
      expect(err.code).toBe('UNAVAILABLE');
      expect(err.message).toMatch(/HTTP 500/);
    });
  });
});

describe('GET /installations/{id}/log and serverLogs.get', () => {
  const rest = () => restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'http://mcp.test', runners });

  it('answers the log as documented', async () => {
    runner.host(a.tenant.id, ids.personal, 'starting', LINES.slice(0, 1));
    const log = ok(
      await rest()('GET', `/installations/${ids.personal}/log`, { token: a.adminToken }),
      200,
      ZServerLog,
    );
    expect(log).toEqual({ state: 'starting', lines: LINES.slice(0, 1), truncated: false });
  });

  it('refuses a bad variant, remote servers, members, and other tenants', async () => {
    const call = rest();
    const bad = failed(
      await call('GET', `/installations/${ids.org}/log?variant=beta`, { token: a.adminToken }),
      422,
      'INVALID',
    );
    expect(bad.fields?.[0]?.path).toBe('variant');
    failed(await call('GET', `/installations/${ids.remote}/log`, { token: a.adminToken }), 409, 'CONFLICT');
    failed(await call('GET', `/installations/${ids.org}/log`, { token: a.memberToken }), 403, 'FORBIDDEN');
    failed(await call('GET', `/installations/${ids.other}/log`, { token: a.adminToken }), 404, 'NOT_FOUND');
    const none = restClient({ db: env.db.db, bus: env.bus, publicMcpUrl: 'http://mcp.test' });
    failed(await none('GET', `/installations/${ids.org}/log`, { token: a.adminToken }), 503, 'UNAVAILABLE');
  });

  it('serves the same through tRPC', async () => {
    const services = testServices({ bus: env.bus, runners });
    const admin = await callerAs(env.db.db, services, a.admin.id, a.tenant.slug);
    await expect(admin.serverLogs.get({ id: ids.org })).resolves.toMatchObject({
      state: 'running',
      lines: LINES,
    });
    const member = await callerAs(env.db.db, services, a.member.id, a.tenant.slug);
    expect((await trpcError(member.serverLogs.get({ id: ids.org }))).code).toBe('FORBIDDEN');
    expect((await trpcError(admin.serverLogs.get({ id: ids.other }))).code).toBe('NOT_FOUND');
  });
});
