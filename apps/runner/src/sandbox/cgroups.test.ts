import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectCgroups, ownCgroups } from './cgroups.ts';

// The real hierarchies are exercised by sandbox.int.test.ts on this host's cgroup v1; these cover
// how each layout is read, on plain folders shaped like cgroupfs.

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function fakeRoot(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'toolgate-cgroupfs-'));
  made.push(root);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

describe('ownCgroups', () => {
  it('maps each controller, co-mounted ones included, to its path', () => {
    const own = ownCgroups(
      '12:pids:/a\n4:memory:/process_api/x\n2:cpu,cpuacct:/b\n1:name=systemd:/\n0::/unified\n',
    );
    expect(own.get('pids')).toBe('/a');
    expect(own.get('memory')).toBe('/process_api/x');
    expect(own.get('cpu')).toBe('/b');
    expect(own.get('cpuacct')).toBe('/b');
    expect(own.get('')).toBe('/unified');
  });
});

describe('detectCgroups', () => {
  it('finds v1 parents under the runner’s own cgroup of each controller', async () => {
    const root = await fakeRoot({
      'memory/cgroup.procs': '',
      'pids/cgroup.procs': '',
      'cpu/cgroup.procs': '',
      'memory/runner/x': '',
      self: '4:memory:/runner\n8:pids:/\n1:cpu,cpuacct:/\n',
    });
    expect(await detectCgroups(root, join(root, 'self'))).toEqual({
      version: 1,
      parents: { memory: join(root, 'memory/runner'), pids: join(root, 'pids'), cpu: join(root, 'cpu') },
    });
  });

  it('says which v1 controller is missing', async () => {
    const root = await fakeRoot({ 'memory/cgroup.procs': '', self: '4:memory:/\n' });
    expect(await detectCgroups(root, join(root, 'self'))).toMatch(/no pids controller mounted/);
  });

  it('uses the unified hierarchy, enabling the controllers for the runner’s children', async () => {
    const root = await fakeRoot({
      'cgroup.controllers': 'cpuset cpu io memory pids',
      'runner.service/cgroup.controllers': 'cpu memory pids',
      'runner.service/cgroup.subtree_control': '',
      self: '0::/runner.service\n',
    });
    expect(await detectCgroups(root, join(root, 'self'))).toEqual({
      version: 2,
      parent: join(root, 'runner.service'),
    });
    expect(await readFile(join(root, 'runner.service/cgroup.subtree_control'), 'utf8')).toBe(
      '+memory +pids +cpu',
    );
  });

  it('falls back when v2 controllers are not delegated to the runner', async () => {
    const root = await fakeRoot({
      'cgroup.controllers': 'cpu memory pids',
      'user.slice/cgroup.controllers': 'memory',
      self: '0::/user.slice\n',
    });
    expect(await detectCgroups(root, join(root, 'self'))).toMatch(/pids, cpu not delegated/);
  });
});
