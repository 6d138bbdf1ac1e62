import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createLogger } from '@toolgate/core/logger';
import { eventually } from '@toolgate/fixtures/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MiB, pidsWithMarker, probeClient, probeSpec } from '../testing/probe.ts';
import { createProcessBackend } from './process-backend.ts';
import { PRLIMIT, cgroupParents, detectLimitMechanism } from './resource-limits.ts';
import { createSandboxBackend } from './sandbox-backend.ts';
import type { SandboxBackend, SandboxedProcess, SandboxSpec } from './sandbox-spec.ts';
import { createWorkDir } from './work-dir.ts';

const REPO_ROOT = new URL('../../../../', import.meta.url).pathname;
const ORPHAN_PARENT = new URL('../testing/orphan-parent.ts', import.meta.url).pathname;
const LEAK_MARKER = 'TOOLGATE_SANDBOX_TEST_LEAK';

let root: string;
let dataDir: string;
let keyFile: string;
let sandbox: SandboxBackend;
let unisolated: SandboxBackend;
const logLines: { level: number; msg: string; limits?: string }[] = [];
const running: SandboxedProcess[] = [];

beforeAll(async () => {
  // Something of the runner's own environment that must not reach any server.
  process.env[LEAK_MARKER] = 'runner-secret';
  root = await mkdtemp(join(tmpdir(), 'toolgate-sandbox-'));
  dataDir = join(root, 'data');
  keyFile = join(dataDir, 'keys.json');
  await mkdir(dataDir);
  await writeFile(keyFile, '{"key":"the runner key ring"}');
  const log = createLogger({
    name: 'sandbox-test',
    destination: {
      write: (line: string) => void logLines.push(JSON.parse(line) as (typeof logLines)[number]),
    },
  });
  sandbox = await createSandboxBackend({ log, protectedPaths: [dataDir] });
  unisolated = createProcessBackend({ log });
});

afterEach(async () => {
  for (const server of running.splice(0)) server.kill();
});

afterAll(async () => {
  delete process.env[LEAK_MARKER];
  await rm(root, { recursive: true, force: true });
});

async function start(backend: SandboxBackend, overrides: Partial<SandboxSpec> = {}) {
  const spec = probeSpec(
    await createWorkDir(join(root, 'servers'), `s${running.length}-${Date.now()}`),
    overrides,
  );
  const server = await backend.start(spec);
  running.push(server);
  return { server, ask: probeClient(server), spec };
}

describe('the sandbox backend', () => {
  it('says at start which resource-limit mechanism it uses', () => {
    expect(['cgroup-v1', 'cgroup-v2', 'rlimit']).toContain(sandbox.limits);
    const started = logLines.find((line) => line.msg.startsWith('bubblewrap sandbox'));
    expect(started?.limits).toBe(sandbox.limits);
    expect(started?.msg).toContain(sandbox.limits.replace('-', ' '));
  });

  it("gives the server only its spec's environment, with PATH and HOME", async () => {
    const { ask } = await start(sandbox, { env: { API_TOKEN: 'entry-credential' } });
    const { env } = await ask({ op: 'env' });
    expect(env).toEqual({
      API_TOKEN: 'entry-credential',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: '/home/server',
      PWD: '/home/server',
    });
    expect(process.env[LEAK_MARKER]).toBe('runner-secret');
  });

  it("cannot read the runner's data directory, key file or repository", async () => {
    const { ask } = await start(sandbox);
    expect(await ask({ op: 'read', path: keyFile })).toMatchObject({ ok: false, error: 'ENOENT' });
    expect(await ask({ op: 'read', path: join(REPO_ROOT, 'package.json') })).toMatchObject({ ok: false });
    // The same read, unisolated, succeeds: the path is right, the sandbox is what stops it.
    const control = await start(unisolated);
    expect(await control.ask({ op: 'read', path: keyFile })).toMatchObject({ ok: true });
  });

  it('refuses a spec that would show a protected path to the server', async () => {
    const workDir = await createWorkDir(join(root, 'servers'), 'exposing');
    await expect(sandbox.start(probeSpec(workDir, { readOnlyPaths: [dataDir] }))).rejects.toThrow(
      /would expose .*data/,
    );
    await expect(sandbox.start(probeSpec(root))).rejects.toThrow(/workDir .* would expose/);
  });

  it('has a read-only root, and a writable /tmp and work dir', async () => {
    const { ask, spec } = await start(sandbox);
    expect(await ask({ op: 'write', path: '/escape' })).toMatchObject({ ok: false, error: 'EROFS' });
    expect(await ask({ op: 'write', path: '/usr/escape' })).toMatchObject({ ok: false, error: 'EROFS' });
    expect(await ask({ op: 'write', path: join(spec.readOnlyPaths![0]!, 'escape') })).toMatchObject({
      ok: false,
      error: 'EROFS',
    });
    expect(await ask({ op: 'write', path: '/tmp/scratch' })).toMatchObject({ ok: true });
    expect(await ask({ op: 'write', path: 'state.json' })).toMatchObject({ ok: true });
    expect(await readFile(join(spec.workDir, 'state.json'), 'utf8')).toBe('written by the probe');
  });

  it('with network none cannot reach a server on the host, with egress can', async () => {
    const connections: number[] = [];
    const listener: Server = createServer((socket) => (connections.push(1), socket.destroy()));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    try {
      const offline = await start(sandbox, { network: 'none' });
      expect(await offline.ask({ op: 'connect', host: '127.0.0.1', port })).toMatchObject({ ok: false });
      const online = await start(sandbox, { network: 'egress' });
      expect(await online.ask({ op: 'connect', host: '127.0.0.1', port })).toMatchObject({ ok: true });
      await eventually(() => expect(connections).toHaveLength(1));
    } finally {
      listener.close();
    }
  });

  it('kills a server that allocates past its memory limit, and says so', async (ctx) => {
    // Under rlimits the kernel reports nothing: see the rlimit fallback below.
    if (sandbox.limits === 'rlimit') ctx.skip();
    const limits = { memoryBytes: 64 * MiB, cpuPercent: 100, maxProcesses: 64 };
    const { server, ask } = await start(sandbox, { limits });
    void ask({ op: 'hog' }).catch(() => {});
    expect(await server.exited).toEqual({
      reason: 'memory-limit',
      code: 137,
      signal: 'SIGKILL',
      detail: 'killed for exceeding its memory limit of 64 MiB',
    });
  });

  it('stops a fork bomb at the process limit', async (ctx) => {
    // rlimits cannot bound a sandbox's task count (resource-limits.ts says why).
    if (sandbox.limits === 'rlimit') ctx.skip();
    const { ask } = await start(sandbox, {
      limits: { memoryBytes: 128 * MiB, cpuPercent: 100, maxProcesses: 32 },
    });
    const answer = await ask({ op: 'spawnMany', count: 200 });
    expect(answer).toMatchObject({ ok: false, error: 'EAGAIN' });
    expect(answer.started).toBeLessThan(32);
    expect(await ask({ op: 'ping' })).toMatchObject({ ok: true });
  });

  it('removes the cgroup of a server once it has exited', async () => {
    const { server, spec } = await start(sandbox);
    await server.stop();
    const mechanism = await detectLimitMechanism();
    for (const parent of cgroupParents(mechanism)) {
      expect((await readdir(parent)).filter((name) => name.includes(`-${spec.id}-`))).toEqual([]);
    }
  });

  it('gives a clear error for a command that does not exist', async () => {
    const workDir = await createWorkDir(join(root, 'servers'), 'missing');
    await expect(sandbox.start(probeSpec(workDir, { command: 'no-such-server' }))).rejects.toThrow(
      'command "no-such-server" was not found on the sandbox PATH (/usr/local/bin:/usr/bin:/bin)',
    );
    // It exists on the host, but outside what the sandbox shows.
    await expect(
      sandbox.start(probeSpec(workDir, { command: join(REPO_ROOT, 'node_modules/.bin/tsx') })),
    ).rejects.toThrow(/does not exist inside the sandbox/);
    await expect(unisolated.start(probeSpec(workDir, { command: 'no-such-server' }))).rejects.toThrow(
      'command "no-such-server" was not found on PATH',
    );
  });

  it('refuses a malformed spec with every problem named', async () => {
    const workDir = await createWorkDir(join(root, 'servers'), 'malformed');
    const bad = {
      ...probeSpec(workDir),
      env: { 'NOT=A NAME': 'x' },
      network: 'everything',
    } as unknown as SandboxSpec;
    await expect(sandbox.start(bad)).rejects.toThrow(/invalid sandbox spec: .*env.*network/);
  });
});

describe('the rlimit fallback (forced here, where cgroups exist)', () => {
  it('runs a server and stops a memory hog without cgroups', async () => {
    const log = createLogger({ name: 'rlimit-test', level: 'silent' });
    const backend = await createSandboxBackend({
      log,
      limits: { kind: 'rlimit', prlimit: PRLIMIT, why: 'forced by the test' },
    });
    expect(backend.limits).toBe('rlimit');
    // RLIMIT_DATA counts private virtual memory, well above what Node.js keeps resident.
    const limits = { memoryBytes: 256 * MiB, cpuPercent: 100, maxProcesses: 64 };
    const { ask, server } = await start(backend, { limits });
    expect(await ask({ op: 'ping' })).toMatchObject({ ok: true });
    void ask({ op: 'hog' }).catch(() => {});
    expect(await server.exited).toMatchObject({ reason: 'signal', signal: 'SIGABRT' });
  });
});

describe('the process backend', () => {
  it('warns at start that it isolates nothing', () => {
    const warning = logLines.find((line) => line.msg.startsWith('RUNNER_BACKEND=process'));
    expect(warning).toMatchObject({ level: 40 });
    expect(warning?.msg).toContain('NO isolation');
  });

  it("still gives the server only its spec's environment", async () => {
    const { ask, spec } = await start(unisolated);
    const { env } = await ask({ op: 'env' });
    expect(env).toEqual({
      PROBE_GREETING: 'hello',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: spec.workDir,
    });
  });
});

describe('when the runner is killed', () => {
  let parent: ChildProcess | undefined;
  afterAll(() => parent?.kill('SIGKILL'));

  it('no server process outlives it, even one that left its session', async () => {
    const marker = `toolgate-orphan-${process.pid}-${Date.now()}`;
    parent = spawn(process.execPath, ['--import', 'tsx', ORPHAN_PARENT], {
      cwd: REPO_ROOT,
      env: { ...process.env, ORPHAN_MARKER: marker, ORPHAN_ROOT: join(root, 'orphans') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: parent.stdout! }), 'line')) as [string];
    expect(JSON.parse(line)).toMatchObject({ ready: true, child: { ok: true } });
    // bwrap, the sandbox's pid 1, the server, and the copy the server detached from its session.
    await eventually(async () => expect(await pidsWithMarker(marker)).toHaveLength(4));

    const deadPid = parent.pid!;
    parent.kill('SIGKILL');
    await eventually(async () => expect(await pidsWithMarker(marker)).toEqual([]));

    // Its cgroups stay behind (it had no time to remove them) until the next runner starts.
    const mechanism = await detectLimitMechanism();
    const leftovers = async () => {
      const names = await Promise.all(cgroupParents(mechanism).map((dir) => readdir(dir)));
      return names.flat().filter((name) => name.startsWith(`toolgate-${deadPid}-`));
    };
    if (sandbox.limits.startsWith('cgroup')) expect(await leftovers()).not.toEqual([]);
    await createSandboxBackend({ log: createLogger({ name: 'next-runner', level: 'silent' }) });
    expect(await leftovers()).toEqual([]);
  });
});
