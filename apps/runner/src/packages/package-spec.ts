import { AppError } from '@toolgate/core/errors';

/** An npm package a registry entry names, at the exact version one variant of an installation runs. */
export interface PackageRef {
  name: string;
  version: string;
}

// npm's rules for new package names: lower case, URL-safe, optionally scoped, at most 214 characters.
const NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
// An exact semver version: no ranges, tags (`latest`), URLs, git or file specs.
const EXACT_VERSION =
  /^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/**
 * The package to install, or AppError('INVALID') saying why not: the name must be an npm package
 * name and the version exact, because the runner records and runs exactly one version and npm
 * would otherwise pick one (a range or tag resolves differently from day to day).
 */
export function checkPackageRef(name: string, version: string | null | undefined): PackageRef {
  if (name.length > 214 || !NAME.test(name))
    throw new AppError('INVALID', `"${name}" is not an npm package name`);
  if (!version)
    throw new AppError(
      'INVALID',
      `no version of ${name} to run: the registry entry names none and the installation pins none`,
    );
  if (!EXACT_VERSION.test(version))
    throw new AppError(
      'INVALID',
      `version "${version}" of ${name} is not an exact version (like 1.2.3): ranges and tags such as "latest" are refused, so the version that runs is the one recorded`,
    );
  return { name, version };
}

/** The package's folder in the cache: `@scope+name@1.2.3` (one folder per name and version). */
export function packageFolderName(ref: PackageRef): string {
  return `${ref.name.replace('/', '+')}@${ref.version}`;
}
