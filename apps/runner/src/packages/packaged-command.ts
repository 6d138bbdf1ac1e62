import { posix } from 'node:path';
import type { PackageSource } from '../registry/load-installation.ts';
import { SANDBOX_PATH } from '../sandbox/bwrap-args.ts';
import type { SandboxBackend } from '../sandbox/sandbox-spec.ts';
import { resolvePackageBin } from './package-bin.ts';
import type { PackageInstaller } from './package-installer.ts';
import { checkPackageRef } from './package-spec.ts';

export interface PackagedCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** The installed package's folder on the host (the spec's packageDir). */
  packageDir: string;
  /** The exact version that runs. */
  version: string;
}

/**
 * How to run a packaged entry: its package installed at the exact version (refused otherwise), then
 * either its bin with the runner's Node.js (`node <package>/node_modules/<name>/<bin> …args`), or,
 * when the entry has a command too, that command with the package's `node_modules/.bin` first on
 * PATH. Paths are as the server sees them: the backend's package mount (the sandbox's), or the
 * host folder itself for a backend that mounts nothing.
 */
export async function packagedCommand(options: {
  installer: PackageInstaller;
  backend: SandboxBackend;
  source: PackageSource;
  command: string | undefined;
  args: string[];
  env: Record<string, string>;
}): Promise<PackagedCommand> {
  const { installer, backend, source } = options;
  const ref = checkPackageRef(source.name, source.version);
  const packageDir = await installer.install(ref);
  const seenAt = backend.packageMount ?? packageDir;
  const env = {
    ...options.env,
    PATH: `${posix.join(seenAt, 'node_modules', '.bin')}:${options.env.PATH ?? SANDBOX_PATH}`,
  };
  if (options.command)
    return { command: options.command, args: options.args, env, packageDir, version: ref.version };
  const bin = await resolvePackageBin(packageDir, ref, source.bin);
  return {
    command: process.execPath,
    args: [posix.join(seenAt, bin), ...options.args],
    env,
    packageDir,
    version: ref.version,
  };
}
