import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import { ZStartCanaryRequest, type StartCanaryRequest } from '../../schemas/installation-versions.ts';
import type { Installation } from '../../schemas/installations.ts';
import { parseInput } from '../../validation.ts';
import {
  applyVersionChange,
  findPackagedInstallation,
  requireOffered,
  stableVersionOf,
  type InstallationVersionOptions,
} from './packaged-installation.ts';

export const CANARY_START_METHOD = 'installation/canary-start';

export interface StartCanaryOptions extends InstallationVersionOptions {
  bus: Bus;
  input: StartCanaryRequest;
}

/**
 * Runs `version` next to the stable version of a packaged installation and sends `percent` of its
 * callers to it (sticky per caller: proxies split by caller). The version must be exact, offered by
 * the npm registry and other than the stable one. Starting the running canary's version again
 * changes its share and keeps its start; another version while one runs is CONFLICT (promote or
 * roll back first). Audited (`installation/canary-start`).
 */
export async function startCanary(options: StartCanaryOptions): Promise<Installation> {
  const { version, percent } = parseInput(ZStartCanaryRequest, options.input);
  const packaged = await findPackagedInstallation(options, 'start a canary of this installation');
  const stable = stableVersionOf(packaged);
  if (version === stable) throw sameAsStable(version);
  await requireOffered(packaged.entry.package, version, options.npm);
  return applyVersionChange({
    ...options,
    check: (current) => {
      if (current.canaryVersion !== null && current.canaryVersion !== version)
        throw new AppError(
          'CONFLICT',
          `A canary of ${current.canaryVersion} is already running: promote or roll it back before starting another`,
          { reason: 'canary_running' },
        );
      if (current.pinnedVersion === version) throw sameAsStable(version);
    },
    // A new share of the running canary keeps its start: the comparison counts from there.
    set: (current) => ({
      canaryVersion: version,
      canaryPercent: percent,
      canaryStartedAt: current.canaryVersion === version ? current.canaryStartedAt : new Date(),
    }),
    method: CANARY_START_METHOD,
    audit: (current) =>
      current.canaryVersion === version
        ? { version, percent: { from: current.canaryPercent, to: percent }, stable }
        : { version, percent, stable },
    reason: 'installation canary started',
  });
}

const sameAsStable = (version: string): AppError => {
  const message = `${version} is the stable version already: a canary runs another version`;
  return new AppError('CONFLICT', message, { fields: [{ path: 'version', message }] });
};
