import { afterAll, describe, expect, it } from 'vitest';
import { createUpstreamPool } from './index.ts';
import { everythingStdioTarget } from './testing/everything.ts';
import { clientInfo, firstText, rejection } from './testing/helpers.ts';
import { childProcesses, isAlive, stdioFixtureTarget, waitUntil } from './testing/processes.ts';
import type { JsonRpcNotification, UpstreamPool, UpstreamTarget } from './types.ts';

const pools: UpstreamPool[] = [];
const newPool = (options: Partial<Parameters<typeof createUpstreamPool>[0]> = {}) => {
  const pool = createUpstreamPool({ clientInfo, ...options });
  pools.push(pool);
  return pool;
};
const pidOf = async (pool: UpstreamPool, target: UpstreamTarget) =>
  Number(firstText(await pool.request(target, 'tools/call', { name: 'pid', arguments: {} })));
const ours = () => childProcesses().filter((child) => /stdio-fixture|server-everything/.test(child.command));

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
  expect(ours()).toEqual([]);
});

describe('stdio upstreams', () => {
  it('shares one child process between targets with the same key, and maps concurrent ids back', async () => {
    const pool = newPool();
    const first = stdioFixtureTarget('shared');
    const second: UpstreamTarget = { ...stdioFixtureTarget('shared'), label: 'the same installation' };
    const [pidA, pidB] = await Promise.all([pidOf(pool, first), pidOf(pool, second)]);
    expect(pidA).toBe(pidB);
    expect(pool.stats().processes).toBe(1);
    expect(ours().map((child) => child.pid)).toEqual([pidA]);
    const messages = Array.from({ length: 20 }, (_, index) => `m${index}`);
    const echoed = await Promise.all(
      messages.map((message, index) =>
        pool.request(index % 2 ? first : second, 'tools/call', { name: 'echo', arguments: { message } }),
      ),
    );
    expect(echoed.map(firstText)).toEqual(messages.map((message) => `Echo: ${message}`));
    await pool.evict('shared');
    expect(isAlive(pidA)).toBe(false);
  });

  it('relays log lines to every call in flight on the process', async () => {
    const pool = newPool();
    const target = stdioFixtureTarget('logs');
    const heard: JsonRpcNotification[] = [];
    const slow = pool.request(
      target,
      'tools/call',
      { name: 'slow', arguments: { ms: 300 } },
      { onNotification: (n) => heard.push(n) },
    );
    await pool.request(
      target,
      'tools/call',
      { name: 'log', arguments: { message: 'for everyone' } },
      { onNotification: (n) => heard.push(n) },
    );
    await slow;
    expect(heard.filter((n) => n.method === 'notifications/message').map((n) => n.params?.data)).toEqual([
      'for everyone',
      'for everyone',
    ]);
    await pool.evict('logs');
  });

  it('fails in-flight calls when the child crashes, backs off, then restarts it', async () => {
    const pool = newPool({ restartBackoffMs: { initial: 400, max: 5_000 } });
    const target = stdioFixtureTarget('crashy');
    const firstPid = await pidOf(pool, target);
    const slow = rejection(pool.request(target, 'tools/call', { name: 'slow', arguments: { ms: 10_000 } }));
    const crash = rejection(pool.request(target, 'tools/call', { name: 'crash', arguments: { code: 3 } }));
    for (const error of await Promise.all([slow, crash])) {
      expect(error.kind).toBe('closed');
      expect(error.message).toBe("upstream 'fixture-crashy' exited (code 3)");
    }
    const backingOff = await rejection(pool.request(target, 'tools/list', {}));
    expect(backingOff.kind).toBe('connect');
    expect(backingOff.message).toMatch(
      /^upstream 'fixture-crashy' is restarting after a failure; next attempt in \d+ ms$/,
    );

    let secondPid = 0;
    await waitUntil(async () => {
      secondPid = await pidOf(pool, target).catch(() => 0);
      return secondPid !== 0;
    }, 'the child is restarted after the backoff');
    expect(secondPid).not.toBe(firstPid);
    expect(isAlive(firstPid)).toBe(false);

    // A second crash soon after the restart doubles the wait.
    await rejection(pool.request(target, 'tools/call', { name: 'crash', arguments: { code: 4 } }));
    const longer = await rejection(pool.request(target, 'tools/list', {}));
    expect(Number(/in (\d+) ms/.exec(longer.message)?.[1])).toBeGreaterThan(400);
    await pool.evict('crashy');
  });

  it('reports a child that dies during start-up with its exit code and stderr', async () => {
    const pool = newPool({ restartBackoffMs: { initial: 60_000, max: 60_000 } });
    const target = stdioFixtureTarget('broken', { FIXTURE_FAIL_START: '7' });
    const error = await rejection(pool.request(target, 'tools/list', {}));
    expect(error.kind).toBe('connect');
    expect(error.message).toBe(
      "upstream 'fixture-broken' exited (code 7) during start-up; stderr: fixture: refusing to start (missing FIXTURE_API_KEY)",
    );
    expect((await rejection(pool.request(target, 'tools/list', {}))).message).toMatch(
      /restarting after a failure/,
    );
    // The child's exit is reported before its pipes finish closing; it leaves the pool then.
    await waitUntil(() => pool.stats().processes === 0, 'the dead child leaves the pool');
  });

  it('reports a command that cannot be started', async () => {
    const pool = newPool();
    const error = await rejection(
      pool.request(
        { key: 'missing', label: 'missing', transport: 'stdio', command: '/nonexistent/mcp-server' },
        'tools/list',
        {},
      ),
    );
    expect(error.kind).toBe('connect');
    expect(error.message).toMatch(/^upstream 'missing' could not start its command \(ENOENT\)/);
    await waitUntil(() => pool.stats().processes === 0, 'the failed spawn leaves the pool');
  });

  it('cancels a call on abort and keeps the child serving', async () => {
    const pool = newPool();
    const target = stdioFixtureTarget('abort');
    const pid = await pidOf(pool, target);
    const controller = new AbortController();
    const call = rejection(
      pool.request(
        target,
        'tools/call',
        { name: 'slow', arguments: { ms: 10_000 } },
        { signal: controller.signal },
      ),
    );
    controller.abort();
    expect((await call).kind).toBe('cancelled');
    expect(await pidOf(pool, target)).toBe(pid);
    await pool.evict('abort');
  });

  it('stops a child that has been idle', async () => {
    const pool = newPool({ idleTimeoutMs: 200 });
    const pid = await pidOf(pool, stdioFixtureTarget('idle'));
    expect(isAlive(pid)).toBe(true);
    await waitUntil(() => pool.stats().processes === 0 && !isAlive(pid), 'the idle child is stopped');
  });

  it('kills a child that ignores SIGTERM', async () => {
    const pool = newPool();
    const target = stdioFixtureTarget('stubborn', { FIXTURE_IGNORE_SIGTERM: '1' });
    const pid = await pidOf(pool, target);
    const started = Date.now();
    await pool.evict('stubborn');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(isAlive(pid)).toBe(false);
  });

  it('leaves no child process behind after 20 create/evict cycles', async () => {
    const pool = newPool();
    const before = childProcesses().length;
    for (let cycle = 0; cycle < 20; cycle++) {
      const target = everythingStdioTarget(`cycle-${cycle}`);
      if (cycle % 2 === 0) {
        await pool.serverInfo(target);
        expect(pool.stats().processes).toBe(1);
        await pool.evict(target.key);
      } else {
        // Evicted mid-handshake: the starting child must not escape.
        const pending = rejection(pool.serverInfo(target));
        await waitUntil(() => pool.stats().processes === 1, 'the child is spawned');
        await pool.evict(target.key);
        expect((await pending).kind).toBe('closed');
      }
      expect(pool.stats().processes).toBe(0);
    }
    expect(ours()).toEqual([]);
    expect(childProcesses().length).toBe(before);
  });

  it('stops every child on close', async () => {
    const pool = newPool();
    const pids = await Promise.all(['close-a', 'close-b'].map((key) => pidOf(pool, stdioFixtureTarget(key))));
    expect(pool.stats().processes).toBe(2);
    await pool.close();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(pool.stats().processes).toBe(0);
  });
});
