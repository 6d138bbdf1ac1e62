import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostLayout, SANDBOX_PACKAGE, buildBwrapOptions } from './bwrap-args.ts';
import { checkPackageDir, checkReadOnlyPaths } from './sandbox-paths.ts';

let dataDir: string;
let cache: string;
let installed: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'toolgate-package-dir-'));
  cache = join(dataDir, 'packages');
  installed = join(cache, '@scope+tool@1.0.0');
  await mkdir(join(installed, 'node_modules'), { recursive: true });
  await mkdir(join(dataDir, 'servers', 'one'), { recursive: true });
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the package folder of a spec', () => {
  it('is accepted directly inside the package cache, though the data dir around it is protected', async () => {
    expect(await checkPackageDir(installed, cache, [dataDir])).toBe(installed);
  });

  it('is refused anywhere else: the cache itself, deeper in it, the data dir, or with no cache', async () => {
    await expect(checkPackageDir(cache, cache, [dataDir])).rejects.toThrow(
      /is not a folder of the package cache/,
    );
    await expect(checkPackageDir(join(installed, 'node_modules'), cache, [dataDir])).rejects.toThrow(
      /is not a folder of the package cache/,
    );
    await expect(checkPackageDir(join(dataDir, 'servers', 'one'), cache, [dataDir])).rejects.toThrow(
      /is not a folder of the package cache/,
    );
    await expect(checkPackageDir(installed, undefined, [])).rejects.toThrow(/no package cache/);
    await expect(checkPackageDir(join(cache, 'missing@1.0.0'), cache, [])).rejects.toThrow(/does not exist/);
  });

  it('is refused when it holds a protected path', async () => {
    await expect(checkPackageDir(installed, cache, [join(installed, 'node_modules')])).rejects.toThrow(
      /would expose/,
    );
  });

  it('is bound read-only at the fixed package path, and no read-only path may cover that path', async () => {
    const host: HostLayout = { system: [{ path: '/usr' }], etc: [] };
    const args = buildBwrapOptions(
      {
        id: 'tool',
        command: '/usr/bin/node',
        args: [`${SANDBOX_PACKAGE}/node_modules/@scope/tool/bin.js`],
        env: {},
        workDir: join(dataDir, 'servers', 'one'),
        network: 'none',
        limits: { memoryBytes: 64 * 2 ** 20, cpuPercent: 50, maxProcesses: 64 },
        packageDir: installed,
      },
      host,
    );
    const at = args.indexOf(SANDBOX_PACKAGE);
    expect(args.slice(at - 2, at + 1)).toEqual(['--ro-bind', installed, SANDBOX_PACKAGE]);
    expect(at).toBeLessThan(args.indexOf('--remount-ro'));
    await expect(checkReadOnlyPaths(['/opt'], [])).rejects.toThrow(/would cover the sandbox's own/);
  });
});
