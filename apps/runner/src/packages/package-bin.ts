import { readFile, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { AppError } from '@toolgate/core/errors';
import type { PackageRef } from './package-spec.ts';

/** The package.json `bin` field as a map: a string names one bin, called like the package (unscoped). */
export function binsOf(name: string, bin: unknown): Record<string, string> {
  if (typeof bin === 'string') return { [name.replace(/^@[^/]+\//, '')]: bin };
  if (bin === null || typeof bin !== 'object') return {};
  return Object.fromEntries(
    Object.entries(bin as Record<string, unknown>).filter(
      (pair): pair is [string, string] => typeof pair[1] === 'string',
    ),
  );
}

/**
 * Which bin of a package to run, as npx chooses: the one the entry names, else the package's only
 * one, else the one named like the package. Returns its path relative to the package's folder
 * (which it must not leave). AppError('INVALID') lists the bins there are when none fits.
 */
export function chooseBin(ref: PackageRef, bins: Record<string, string>, wanted: string | null): string {
  const names = Object.keys(bins);
  const list = names.length > 0 ? `its bins: ${names.join(', ')}` : 'it has none';
  const unscoped = ref.name.replace(/^@[^/]+\//, '');
  let chosen: string | undefined;
  if (wanted) {
    chosen = bins[wanted];
    if (chosen === undefined)
      throw new AppError('INVALID', `${ref.name}@${ref.version} has no bin "${wanted}" (${list})`);
  } else if (names.length === 1) chosen = bins[names[0]!];
  else chosen = bins[unscoped];
  if (chosen === undefined)
    throw new AppError(
      'INVALID',
      names.length === 0
        ? `${ref.name}@${ref.version} has no bin to run (its package.json names none)`
        : `${ref.name}@${ref.version} has several bins and none named "${unscoped}": choose one with the registry entry's bin (${list})`,
    );
  const path = posix.normalize(chosen);
  if (path.startsWith('../') || path === '..' || posix.isAbsolute(path))
    throw new AppError('INVALID', `the bin "${chosen}" of ${ref.name}@${ref.version} is outside the package`);
  return path;
}

/**
 * The bin to run of a package installed under `installDir` (`node_modules/<name>/…`), as a path
 * relative to `installDir`, checked to exist.
 */
export async function resolvePackageBin(
  installDir: string,
  ref: PackageRef,
  wanted: string | null,
): Promise<string> {
  const packageDir = posix.join('node_modules', ref.name);
  const manifest = JSON.parse(await readFile(posix.join(installDir, packageDir, 'package.json'), 'utf8')) as {
    bin?: unknown;
  };
  const bin = posix.join(packageDir, chooseBin(ref, binsOf(ref.name, manifest.bin), wanted));
  const isFile = await stat(posix.join(installDir, bin)).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!isFile)
    throw new AppError(
      'INVALID',
      `the bin ${bin} of ${ref.name}@${ref.version} does not exist in the package`,
    );
  return bin;
}
