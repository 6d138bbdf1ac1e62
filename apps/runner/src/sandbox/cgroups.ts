import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SandboxLimits } from './sandbox-spec.ts';

/**
 * Per-server cgroups: memory, task count and CPU quota, on cgroup v1 (one hierarchy per
 * controller) or v2 (the unified hierarchy). Each server's cgroup is made inside the runner's own
 * cgroup (so a limit placed on the runner still holds) and removed when the server has exited.
 */

export type CgroupHost =
  { version: 1; parents: { memory: string; pids: string; cpu: string } } | { version: 2; parent: string };

const V1_CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
const CPU_PERIOD_US = 100_000;
const PREFIX = 'toolgate-';

/** The runner's own cgroup path per controller (`''` for v2's unified line), from /proc/self/cgroup. */
export function ownCgroups(procSelfCgroup: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const line of procSelfCgroup.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    for (const controller of match[1]!.split(',')) paths.set(controller, match[2]!);
  }
  return paths;
}

/**
 * Finds where this runner may make cgroups, or says why it cannot (the caller falls back to
 * rlimits). A probe cgroup is made and removed, so a read-only or undelegated hierarchy is caught
 * here rather than at the first server.
 */
export async function detectCgroups(
  root = '/sys/fs/cgroup',
  selfCgroup = '/proc/self/cgroup',
): Promise<CgroupHost | string> {
  const own = ownCgroups(await readFile(selfCgroup, 'utf8').catch(() => ''));
  const unified = await readFile(join(root, 'cgroup.controllers'), 'utf8').catch(() => undefined);
  if (unified !== undefined) {
    const parent = withoutSlash(join(root, own.get('') ?? '/'));
    const available = (await readFile(join(parent, 'cgroup.controllers'), 'utf8').catch(() => '')).split(
      /\s+/,
    );
    const missing = V1_CONTROLLERS.filter((name) => !available.includes(name));
    if (missing.length > 0) return `cgroup v2: ${missing.join(', ')} not delegated to ${parent}`;
    const enabled = await writeFile(join(parent, 'cgroup.subtree_control'), '+memory +pids +cpu').then(
      () => undefined,
      (err: NodeJS.ErrnoException) => err.code,
    );
    // EBUSY: the runner's own cgroup holds processes; run it in a delegated cgroup of its own.
    if (enabled) return `cgroup v2: cannot enable controllers in ${parent} (${enabled})`;
    const host: CgroupHost = { version: 2, parent };
    return (await probe([parent])) ?? host;
  }
  const parents: Record<string, string> = {};
  for (const controller of V1_CONTROLLERS) {
    const path = own.get(controller);
    const mount = join(root, controller);
    if (path === undefined || !(await exists(join(mount, 'cgroup.procs'))))
      return `cgroup v1: no ${controller} controller mounted at ${mount}`;
    parents[controller] = withoutSlash(join(mount, path));
  }
  const host: CgroupHost = { version: 1, parents: parents as { memory: string; pids: string; cpu: string } };
  return (await probe(Object.values(parents))) ?? host;
}

async function probe(parents: string[]): Promise<string | undefined> {
  const name = `${PREFIX}${process.pid}-probe-${randomBytes(4).toString('hex')}`;
  for (const parent of parents) {
    const dir = join(parent, name);
    try {
      await mkdir(dir);
      await rmdir(dir);
    } catch (err) {
      return `cannot create cgroups under ${parent} (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
    }
  }
  return undefined;
}

export interface SandboxCgroup {
  /** The `cgroup.procs` files a process writes its pid to, to join (one per v1 hierarchy). */
  readonly procsFiles: string[];
  /** How many times the kernel's OOM killer has killed a process of this cgroup. */
  oomKills(): Promise<number>;
  /** Kills whatever is left in the cgroup, waits for it to empty, removes it. */
  release(): Promise<void>;
}

export async function createSandboxCgroup(
  host: CgroupHost,
  id: string,
  limits: SandboxLimits,
): Promise<SandboxCgroup> {
  const name = `${PREFIX}${process.pid}-${id}-${randomBytes(4).toString('hex')}`;
  const memory = String(limits.memoryBytes);
  const quota = String(Math.round((limits.cpuPercent / 100) * CPU_PERIOD_US));
  const dirs: string[] = [];
  const made = async (parent: string) => {
    const dir = join(parent, name);
    await mkdir(dir);
    dirs.push(dir);
    return dir;
  };
  try {
    if (host.version === 1) {
      const mem = await made(host.parents.memory);
      await writeFile(join(mem, 'memory.limit_in_bytes'), memory);
      // Without swap accounting the file is absent; with it, swap must not extend the limit.
      if (await exists(join(mem, 'memory.memsw.limit_in_bytes')))
        await writeFile(join(mem, 'memory.memsw.limit_in_bytes'), memory);
      await writeFile(join(await made(host.parents.pids), 'pids.max'), String(limits.maxProcesses));
      const cpu = await made(host.parents.cpu);
      await writeFile(join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      await writeFile(join(cpu, 'cpu.cfs_quota_us'), quota);
    } else {
      const dir = await made(host.parent);
      await writeFile(join(dir, 'memory.max'), memory);
      if (await exists(join(dir, 'memory.swap.max'))) await writeFile(join(dir, 'memory.swap.max'), '0');
      await writeFile(join(dir, 'pids.max'), String(limits.maxProcesses));
      await writeFile(join(dir, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`);
    }
  } catch (err) {
    await removeAll(dirs);
    throw err;
  }
  const memoryDir = dirs[0]!;
  return {
    procsFiles: dirs.map((dir) => join(dir, 'cgroup.procs')),
    async oomKills() {
      const file = host.version === 1 ? 'memory.oom_control' : 'memory.events';
      const text = await readFile(join(memoryDir, file), 'utf8').catch(() => '');
      return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
    },
    release: () => removeAll(dirs),
  };
}

const RELEASE_DEADLINE_MS = 5_000;

/** A cgroup can be removed once empty; processes of a torn-down PID namespace go in milliseconds. */
async function removeAll(dirs: string[]): Promise<void> {
  const deadline = Date.now() + RELEASE_DEADLINE_MS;
  for (const dir of dirs) {
    for (;;) {
      const pids = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean);
      for (const pid of pids) killQuietly(Number(pid));
      const removed = await rmdir(dir).then(
        () => true,
        (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
      );
      if (removed) break;
      if (Date.now() > deadline) throw new Error(`cgroup ${dir} still busy after ${RELEASE_DEADLINE_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/**
 * Removes the empty cgroups left by runners that died (SIGKILL leaves no time to clean up). Only
 * cgroups whose runner pid is gone: another runner's, made a moment ago and not yet joined, stay.
 */
export async function collectStaleCgroups(host: CgroupHost): Promise<number> {
  const parents = host.version === 1 ? Object.values(host.parents) : [host.parent];
  let removed = 0;
  for (const parent of parents) {
    for (const entry of await readdir(parent).catch(() => [])) {
      const owner = new RegExp(`^${PREFIX}(\\d+)-`).exec(entry)?.[1];
      if (owner === undefined || isAlive(Number(owner))) continue;
      if (
        await rmdir(join(parent, entry)).then(
          () => true,
          () => false,
        )
      )
        removed += 1;
    }
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killQuietly(pid: number) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

const withoutSlash = (path: string) => path.replace(/(.)\/$/, '$1');
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
