import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import { ZPinVersionRequest, type PinVersionRequest } from '../../schemas/installation-versions.ts';
import type { Installation } from '../../schemas/installations.ts';
import { parseInput } from '../../validation.ts';
import {
  applyVersionChange,
  findPackagedInstallation,
  requireOffered,
  type InstallationVersionOptions,
} from './packaged-installation.ts';

export const PIN_VERSION_METHOD = 'installation/pin-version';

export interface PinVersionOptions extends InstallationVersionOptions {
  bus: Bus;
  input: PinVersionRequest;
}

/**
 * Pins a packaged installation to an exact version the npm registry offers ("upgrade to …", or
 * back): runners start that version from then on. Who may: as for every change to an installation.
 * Refused (CONFLICT) while a canary runs: promote or roll it back first. Audited
 * (`installation/pin-version`, `{ from, to }`).
 */
export async function pinVersion(options: PinVersionOptions): Promise<Installation> {
  const { version } = parseInput(ZPinVersionRequest, options.input);
  const packaged = await findPackagedInstallation(options, 'pin the version this installation runs');
  await requireOffered(packaged.entry.package, version, options.npm);
  const entryVersion = packaged.entry.version;
  return applyVersionChange({
    ...options,
    check: (current) => {
      if (current.canaryVersion !== null)
        throw new AppError(
          'CONFLICT',
          `A canary of ${current.canaryVersion} is running: promote or roll it back before pinning another version`,
          { reason: 'canary_running' },
        );
    },
    set: () => ({ pinnedVersion: version }),
    method: PIN_VERSION_METHOD,
    audit: (current) => ({ from: current.pinnedVersion ?? entryVersion, to: version }),
    reason: 'installation version pinned',
  });
}
