import { lstat, readlink } from 'node:fs/promises';
import type { SandboxSpec } from './sandbox-spec.ts';

/** Inside the sandbox: the server's user, its home (the bound work dir) and default PATH. */
export const SANDBOX_UID = 1000;
export const SANDBOX_HOME = '/home/server';
export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';
export const SANDBOX_HOSTNAME = 'toolgate-sandbox';
/** Where a packaged server's installed package is, read-only (the same path whatever its version). */
export const SANDBOX_PACKAGE = '/opt/toolgate/package';

/** The pipes bwrap reads at start: its arguments, then the generated /etc/passwd and /etc/group. */
export const ARGS_FD = 3;
export const PASSWD_FD = 4;
export const GROUP_FD = 5;

export const PASSWD = `server:x:${SANDBOX_UID}:${SANDBOX_UID}:Toolgate server:${SANDBOX_HOME}:/usr/sbin/nologin\n`;
export const GROUP = `server:x:${SANDBOX_UID}:\n`;

/** What of the host's root the sandbox sees: system folders and a few /etc entries, read-only. */
export interface HostLayout {
  /** Top-level system entries: folders are bound read-only, symlinks (merged /usr) recreated. */
  system: { path: string; symlinkTo?: string }[];
  /** /etc entries that exist on this host (name resolution, TLS roots, dynamic linker cache). */
  etc: string[];
}

const SYSTEM_ENTRIES = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
const ETC_ENTRIES = [
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/host.conf',
  '/etc/gai.conf',
  '/etc/nsswitch.conf',
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/ca-certificates.conf',
  '/etc/pki',
  '/etc/crypto-policies',
  '/etc/alternatives',
  '/etc/localtime',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
];

export async function detectHostLayout(): Promise<HostLayout> {
  const system: HostLayout['system'] = [];
  for (const path of SYSTEM_ENTRIES) {
    const stats = await lstat(path).catch(() => undefined);
    if (stats?.isSymbolicLink()) system.push({ path, symlinkTo: await readlink(path) });
    else if (stats?.isDirectory()) system.push({ path });
  }
  const etc: string[] = [];
  for (const path of ETC_ENTRIES) if (await lstat(path).catch(() => undefined)) etc.push(path);
  return { system, etc };
}

/**
 * bwrap's options for one server, given to bwrap through `--args` so that the credentials in the
 * environment never appear in the host's process list. Order matters: bwrap applies them in turn,
 * and `--remount-ro /` comes after every mount point has been made.
 */
export function buildBwrapOptions(spec: SandboxSpec, host: HostLayout): string[] {
  const args = [
    // A user namespace with no capabilities, which cannot make further user namespaces.
    '--unshare-user',
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_UID),
    '--disable-userns',
    '--cap-drop',
    'ALL',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--hostname',
    SANDBOX_HOSTNAME,
    ...(spec.network === 'none' ? ['--unshare-net'] : []),
    // The sandbox's pid 1 dies with bwrap, and bwrap with the runner; the kernel then kills the
    // rest of the PID namespace. A new session keeps the server off the runner's terminal.
    '--die-with-parent',
    '--new-session',
    '--clearenv',
  ];
  const env: Record<string, string> = { PATH: SANDBOX_PATH, ...spec.env, HOME: SANDBOX_HOME };
  for (const [name, value] of Object.entries(env)) args.push('--setenv', name, value);

  for (const entry of host.system) {
    if (entry.symlinkTo !== undefined) args.push('--symlink', entry.symlinkTo, entry.path);
    else args.push('--ro-bind', entry.path, entry.path);
  }
  for (const path of host.etc) args.push('--ro-bind', path, path);
  args.push('--perms', '0444', '--ro-bind-data', String(PASSWD_FD), '/etc/passwd');
  args.push('--perms', '0444', '--ro-bind-data', String(GROUP_FD), '/etc/group');

  args.push('--proc', '/proc', '--dev', '/dev');
  // tmpfs pages count as memory: the cgroup limit covers them; the size bounds them under rlimits.
  args.push('--size', String(spec.limits.memoryBytes), '--tmpfs', '/tmp');
  args.push('--bind', spec.workDir, SANDBOX_HOME, '--chdir', SANDBOX_HOME);
  // After /tmp and the home, so a read-only folder that lives under the host's /tmp stays visible.
  for (const path of spec.readOnlyPaths ?? []) args.push('--ro-bind', path, path);
  if (spec.packageDir) args.push('--ro-bind', spec.packageDir, SANDBOX_PACKAGE);
  args.push('--remount-ro', '/');
  return args;
}

/** The command line itself: bwrap takes the command from its own argv, not from `--args`. */
export function bwrapCommandLine(bwrap: string, spec: SandboxSpec): string[] {
  return [bwrap, '--args', String(ARGS_FD), '--', spec.command, ...spec.args];
}

/** `--args FD` reads NUL-terminated arguments. */
export function encodeArgs(args: string[]): Buffer {
  return Buffer.from(args.map((arg) => `${arg}\0`).join(''));
}
