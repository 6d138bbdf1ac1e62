import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, posix } from 'node:path';
import { AppError } from '@toolgate/core/errors';
import { type HostLayout, SANDBOX_HOME, SANDBOX_PACKAGE } from './bwrap-args.ts';

/**
 * The host paths a spec names, checked before anything is spawned: the work dir exists, read-only
 * folders neither hide the sandbox's own mounts nor expose what the runner protects (its data
 * directory, key files), and the command exists where the server will look for it.
 */

const within = (path: string, root: string) => root === '/' || path === root || path.startsWith(`${root}/`);
const overlaps = (a: string, b: string) => within(a, b) || within(b, a);

/** Mount points of the sandbox itself: a read-only folder on or above them would hide them. */
const MOUNT_POINTS = ['/proc', '/dev', '/tmp', SANDBOX_HOME, SANDBOX_PACKAGE, '/etc/passwd', '/etc/group'];
/** ...and one inside these would replace part of them (one under the host's /tmp is fine). */
const NOTHING_INSIDE = ['/proc', '/dev', SANDBOX_HOME, SANDBOX_PACKAGE];

export async function checkWorkDir(workDir: string, protectedPaths: string[]): Promise<string> {
  const real = await realpath(workDir).catch(() => undefined);
  if (!real || !(await stat(real)).isDirectory())
    throw new AppError('INVALID', `workDir ${workDir} does not exist or is not a directory`);
  // Inside the data directory is fine (that is where work dirs live); above a protected path is not.
  const exposed = protectedPaths.find((path) => within(path, real));
  if (exposed) throw new AppError('INVALID', `workDir ${workDir} would expose ${exposed} to the server`);
  return real;
}

export async function checkReadOnlyPaths(paths: string[], protectedPaths: string[]): Promise<string[]> {
  const checked: string[] = [];
  for (const path of paths) {
    const real = await realpath(path).catch(() => undefined);
    if (!real) throw new AppError('INVALID', `read-only path ${path} does not exist`);
    const reserved =
      MOUNT_POINTS.find((mount) => within(mount, real)) ??
      NOTHING_INSIDE.find((mount) => within(real, mount));
    if (reserved)
      throw new AppError('INVALID', `read-only path ${path} would cover the sandbox's own ${reserved}`);
    const exposed = protectedPaths.find((guarded) => overlaps(guarded, real));
    if (exposed)
      throw new AppError('INVALID', `read-only path ${path} would expose ${exposed} to the server`);
    checked.push(real);
  }
  return checked;
}

/**
 * A spec's installed package: a folder directly inside the runner's package cache. The cache lives
 * in the runner's (protected) data directory on purpose; only that one folder is shown, and it
 * must not hold a protected path itself.
 */
export async function checkPackageDir(
  packageDir: string,
  packagesDir: string | undefined,
  protectedPaths: string[],
): Promise<string> {
  if (!packagesDir) throw new AppError('INVALID', 'this backend has no package cache to run packages from');
  const real = await realpath(packageDir).catch(() => undefined);
  if (!real || !(await stat(real)).isDirectory())
    throw new AppError('INVALID', `packageDir ${packageDir} does not exist or is not a directory`);
  const cache = await realpath(packagesDir).catch(() => posix.normalize(packagesDir));
  if (dirname(real) !== cache)
    throw new AppError(
      'INVALID',
      `packageDir ${packageDir} is not a folder of the package cache ${packagesDir}`,
    );
  const exposed = protectedPaths.find((guarded) => within(guarded, real));
  if (exposed)
    throw new AppError('INVALID', `packageDir ${packageDir} would expose ${exposed} to the server`);
  return real;
}

/** Host paths the runner must never show a server, resolved (a symlink must not lead around them). */
export async function resolveProtectedPaths(paths: string[]): Promise<string[]> {
  return Promise.all(paths.map((path) => realpath(path).catch(() => posix.normalize(path))));
}

const isExecutableFile = async (path: string) =>
  (await stat(path).then(
    (s) => s.isFile(),
    () => false,
  )) &&
  (await access(path, constants.X_OK).then(
    () => true,
    () => false,
  ));

interface LookupOptions {
  /** PATH as the server sees it. */
  pathDirs: string[];
  /** The server's working directory, for `./server.js`-style commands. */
  cwd: string;
  /** Maps a path as the server sees it to the host path behind it (undefined: not visible). */
  toHost(path: string): string | undefined;
  /** Whether a resolved host path is visible to the server (a symlink may point outside). */
  visible(hostPath: string): boolean;
}

async function lookup(command: string, options: LookupOptions): Promise<string | undefined> {
  const candidates = command.includes('/')
    ? [posix.resolve(options.cwd, command)]
    : options.pathDirs.filter((dir) => isAbsolute(dir)).map((dir) => posix.join(dir, command));
  for (const candidate of candidates) {
    const host = options.toHost(candidate);
    if (!host || !(await isExecutableFile(host))) continue;
    if (options.visible(await realpath(host))) return candidate;
  }
  return undefined;
}

/** Finds the command as the sandboxed server would, or throws a clear AppError('INVALID'). */
export async function resolveSandboxCommand(
  command: string,
  env: { PATH: string },
  layout: HostLayout,
  workDir: string,
  readOnlyPaths: string[],
  packageDir?: string,
): Promise<string> {
  // The host folders behind what the sandbox shows, as [path inside, path on the host].
  const binds: [string, string][] = [[SANDBOX_HOME, workDir]];
  if (packageDir) binds.push([SANDBOX_PACKAGE, packageDir]);
  for (const entry of layout.system) {
    const target = entry.symlinkTo === undefined ? entry.path : posix.resolve('/', entry.symlinkTo);
    binds.push([entry.path, target]);
  }
  for (const path of [...layout.etc, ...readOnlyPaths]) binds.push([path, path]);
  const hostRoots = binds.map(([, host]) => host);
  const toHost = (path: string) => {
    const bind = binds.find(([inside]) => within(path, inside));
    return bind && bind[1] + path.slice(bind[0].length);
  };
  const pathDirs = env.PATH.split(':');
  const found = await lookup(command, {
    pathDirs,
    cwd: SANDBOX_HOME,
    toHost,
    visible: (host) => hostRoots.some((root) => within(host, root)),
  });
  if (found) return found;
  throw new AppError(
    'INVALID',
    command.includes('/')
      ? `command ${command} does not exist inside the sandbox, or is not executable (a host folder must be in readOnlyPaths to be seen)`
      : `command "${command}" was not found on the sandbox PATH (${pathDirs.join(':')})`,
  );
}

/** The same check for the unisolated backend: on the host, from the server's working directory. */
export async function resolveHostCommand(
  command: string,
  env: { PATH: string },
  workDir: string,
): Promise<string> {
  const pathDirs = env.PATH.split(':');
  const found = await lookup(command, {
    pathDirs,
    cwd: workDir,
    toHost: (path) => path,
    visible: () => true,
  });
  if (found) return found;
  throw new AppError(
    'INVALID',
    command.includes('/')
      ? `command ${command} does not exist or is not executable`
      : `command "${command}" was not found on PATH (${pathDirs.join(':')})`,
  );
}
