import type { Bus } from '@toolgate/bus';
import { AppError } from '@toolgate/core/errors';
import type { Installation } from '../../schemas/installations.ts';
import {
  applyVersionChange,
  findPackagedInstallation,
  type InstallationRow,
  type InstallationVersionOptions,
} from './packaged-installation.ts';

export const CANARY_PROMOTE_METHOD = 'installation/canary-promote';
export const CANARY_ROLLBACK_METHOD = 'installation/canary-rollback';

export interface CanaryActionOptions extends InstallationVersionOptions {
  bus: Bus;
}

const requireCanary = (current: InstallationRow): string => {
  if (current.canaryVersion === null)
    throw new AppError('CONFLICT', 'This installation runs no canary', { reason: 'no_canary' });
  return current.canaryVersion;
};

/**
 * The canary becomes stable: the installation is pinned to its version and every caller goes
 * there. Audited (`installation/canary-promote`, `{ from, to, percent }`).
 */
export async function promoteCanary(options: CanaryActionOptions): Promise<Installation> {
  const packaged = await findPackagedInstallation(options, "promote this installation's canary");
  const entryVersion = packaged.entry.version;
  return applyVersionChange({
    ...options,
    check: requireCanary,
    set: (current) => ({
      pinnedVersion: current.canaryVersion,
      canaryVersion: null,
      canaryPercent: null,
      canaryStartedAt: null,
    }),
    method: CANARY_PROMOTE_METHOD,
    audit: (current) => ({
      from: current.pinnedVersion ?? entryVersion,
      to: current.canaryVersion,
      percent: current.canaryPercent,
      startedAt: current.canaryStartedAt?.toISOString() ?? null,
    }),
    reason: 'installation canary promoted',
  });
}

/**
 * The canary stops: every caller goes back to the stable version, which is unchanged. Audited
 * (`installation/canary-rollback`, `{ version, percent, stable }`).
 */
export async function rollBackCanary(options: CanaryActionOptions): Promise<Installation> {
  const packaged = await findPackagedInstallation(options, "roll back this installation's canary");
  const entryVersion = packaged.entry.version;
  return applyVersionChange({
    ...options,
    check: requireCanary,
    set: () => ({ canaryVersion: null, canaryPercent: null, canaryStartedAt: null }),
    method: CANARY_ROLLBACK_METHOD,
    audit: (current) => ({
      version: current.canaryVersion,
      percent: current.canaryPercent,
      stable: current.pinnedVersion ?? entryVersion,
      startedAt: current.canaryStartedAt?.toISOString() ?? null,
    }),
    reason: 'installation canary rolled back',
  });
}
