import { describe, expect, it } from 'vitest';
import {
  type HostLayout,
  SANDBOX_HOME,
  buildBwrapOptions,
  bwrapCommandLine,
  encodeArgs,
} from './bwrap-args.ts';
import type { SandboxSpec } from './sandbox-spec.ts';

const host: HostLayout = {
  system: [
    { path: '/usr' },
    { path: '/bin', symlinkTo: 'usr/bin' },
    { path: '/lib64', symlinkTo: 'usr/lib64' },
  ],
  etc: ['/etc/resolv.conf', '/etc/ssl'],
};

const spec = (overrides: Partial<SandboxSpec> = {}): SandboxSpec => ({
  id: 'memory',
  command: 'node',
  args: ['server.js', '--flag'],
  env: { API_TOKEN: 'secret' },
  workDir: '/var/lib/toolgate/servers/memory',
  network: 'none',
  limits: { memoryBytes: 64 * 2 ** 20, cpuPercent: 50, maxProcesses: 64 },
  readOnlyPaths: ['/var/cache/toolgate/packages/memory@1.0.0'],
  ...overrides,
});

/** The option and its value(s) as they appear, e.g. ['--bind', src, dest]. */
const pairs = (args: string[], option: string, arity: number) =>
  args.flatMap((arg, i) => (arg === option ? [args.slice(i + 1, i + 1 + arity)] : []));

describe('buildBwrapOptions', () => {
  it('unshares every namespace, the network too, and drops all capabilities', () => {
    const args = buildBwrapOptions(spec(), host);
    for (const flag of ['--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net'])
      expect(args).toContain(flag);
    expect(args).toContain('--disable-userns');
    expect(pairs(args, '--cap-drop', 1)).toEqual([['ALL']]);
    expect(args).toContain('--die-with-parent');
    expect(args).toContain('--new-session');
  });

  it('keeps the host network with egress, and nothing else of it', () => {
    const args = buildBwrapOptions(spec({ network: 'egress' }), host);
    expect(args).not.toContain('--unshare-net');
    expect(args).toContain('--unshare-pid');
  });

  it("clears the environment, then sets only the spec's, PATH and HOME", () => {
    const args = buildBwrapOptions(
      spec({ env: { API_TOKEN: 'secret', HOME: '/root', PATH: '/opt/bin' } }),
      host,
    );
    const clear = args.indexOf('--clearenv');
    expect(clear).toBeGreaterThan(-1);
    expect(args.indexOf('--setenv')).toBeGreaterThan(clear);
    expect(pairs(args, '--setenv', 2)).toEqual([
      ['PATH', '/opt/bin'],
      ['API_TOKEN', 'secret'],
      ['HOME', SANDBOX_HOME],
    ]);
  });

  it('defaults PATH to the system folders', () => {
    expect(pairs(buildBwrapOptions(spec(), host), '--setenv', 2)).toContainEqual([
      'PATH',
      '/usr/local/bin:/usr/bin:/bin',
    ]);
  });

  it('binds system folders read-only, recreates merged-/usr symlinks, and makes / read-only last', () => {
    const args = buildBwrapOptions(spec(), host);
    expect(pairs(args, '--ro-bind', 2)).toEqual(
      expect.arrayContaining([
        ['/usr', '/usr'],
        ['/etc/resolv.conf', '/etc/resolv.conf'],
        ['/etc/ssl', '/etc/ssl'],
      ]),
    );
    expect(pairs(args, '--symlink', 2)).toEqual([
      ['usr/bin', '/bin'],
      ['usr/lib64', '/lib64'],
    ]);
    expect(args.at(-2)).toBe('--remount-ro');
    expect(args.at(-1)).toBe('/');
    // Nothing is bound writable but the work dir.
    expect(pairs(args, '--bind', 2)).toEqual([['/var/lib/toolgate/servers/memory', SANDBOX_HOME]]);
    expect(args).not.toContain('--dev-bind');
  });

  it('gives a private /tmp bounded by the memory limit, fresh /proc and /dev, and the work dir as cwd', () => {
    const args = buildBwrapOptions(spec(), host);
    const tmpfs = args.indexOf('--tmpfs');
    expect(args.slice(tmpfs - 2, tmpfs + 2)).toEqual(['--size', String(64 * 2 ** 20), '--tmpfs', '/tmp']);
    expect(pairs(args, '--proc', 1)).toEqual([['/proc']]);
    expect(pairs(args, '--dev', 1)).toEqual([['/dev']]);
    expect(pairs(args, '--chdir', 1)).toEqual([[SANDBOX_HOME]]);
  });

  it('binds read-only paths after /tmp and the home, so they are not hidden by them', () => {
    const args = buildBwrapOptions(spec({ readOnlyPaths: ['/tmp/cache'] }), host);
    const bound = args.findIndex((arg, i) => arg === '--ro-bind' && args[i + 1] === '/tmp/cache');
    expect(bound).toBeGreaterThan(args.indexOf('--tmpfs'));
    expect(bound).toBeGreaterThan(args.indexOf('--bind'));
  });

  it('supplies its own passwd and group instead of the host files', () => {
    const args = buildBwrapOptions(spec(), host);
    expect(pairs(args, '--ro-bind-data', 2)).toEqual([
      ['4', '/etc/passwd'],
      ['5', '/etc/group'],
    ]);
    expect(args).not.toContain('/etc/shadow');
  });

  it('never puts the environment or the command into the options', () => {
    const args = buildBwrapOptions(spec(), host);
    expect(args).not.toContain('--');
    expect(args).not.toContain('server.js');
  });
});

describe('bwrapCommandLine', () => {
  it('reads the options from fd 3 and runs the command after --', () => {
    expect(bwrapCommandLine('/usr/bin/bwrap', spec())).toEqual([
      '/usr/bin/bwrap',
      '--args',
      '3',
      '--',
      'node',
      'server.js',
      '--flag',
    ]);
  });

  it('keeps secrets off the command line', () => {
    expect(bwrapCommandLine('/usr/bin/bwrap', spec()).join(' ')).not.toContain('secret');
  });
});

describe('encodeArgs', () => {
  it('terminates every argument with NUL', () => {
    expect(encodeArgs(['--setenv', 'A', 'b c']).toString()).toBe('--setenv\0A\0b c\0');
  });
});
