import type { OfferedVersions } from '../../schemas/installation-versions.ts';
import { fetchRegistryVersions } from './npm-registry.ts';
import {
  findPackagedInstallation,
  stableVersionOf,
  type InstallationVersionOptions,
} from './packaged-installation.ts';

/**
 * What a packaged installation runs and the versions the npm registry offers for its package,
 * newest first (the "upgrade to …" list). Anyone who can see the installation may look.
 */
export async function listOfferedVersions(options: InstallationVersionOptions): Promise<OfferedVersions> {
  const packaged = await findPackagedInstallation(options);
  const { latest, versions } = await fetchRegistryVersions(packaged.entry.package, options.npm);
  return {
    package: packaged.entry.package,
    stableVersion: stableVersionOf(packaged),
    pinnedVersion: packaged.row.pinnedVersion,
    runningVersion: packaged.row.packageVersion,
    latest,
    versions,
  };
}
