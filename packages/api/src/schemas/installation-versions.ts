import { z } from 'zod';
import { ZTimestamp } from './common.ts';
import { ZInstallation } from './installations.ts';

/** An exact npm version (`1.2.3`, `1.2.3-rc.1`): no ranges, tags or `v` prefix. */
export const EXACT_SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export const ZExactVersion = z
  .string()
  .trim()
  .max(256, 'must be at most 256 characters')
  .regex(EXACT_SEMVER, 'must be an exact version such as 1.2.3 (no range or tag)');

export const ZOfferedVersion = z.object({
  version: z.string(),
  /** The registry's `latest` dist-tag points here. */
  latest: z.boolean(),
  /** A pre-release (`1.2.0-rc.1`). */
  prerelease: z.boolean(),
  /** The registry's deprecation message, when the version is deprecated. */
  deprecated: z.string().nullable(),
});
export type OfferedVersion = z.infer<typeof ZOfferedVersion>;

/** What an installation of a packaged server runs, and what the npm registry offers for it. */
export const ZOfferedVersions = z.object({
  package: z.string(),
  /** The version the stable variant runs: the pinned version, else the entry's (null: neither says). */
  stableVersion: z.string().nullable(),
  pinnedVersion: z.string().nullable(),
  /** The exact version a runner last started (null until one did). */
  runningVersion: z.string().nullable(),
  /** The `latest` dist-tag (null when the registry names none). */
  latest: z.string().nullable(),
  /** Newest first (semver order). */
  versions: z.array(ZOfferedVersion),
});
export type OfferedVersions = z.infer<typeof ZOfferedVersions>;

export const ZPinVersionRequest = z.strictObject({ version: ZExactVersion });
export type PinVersionRequest = z.input<typeof ZPinVersionRequest>;

export const ZStartCanaryRequest = z.strictObject({
  version: ZExactVersion,
  percent: z
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(99, 'must be at most 99'),
});
export type StartCanaryRequest = z.input<typeof ZStartCanaryRequest>;

/** One variant's calls since the canary started (tools/call and everything else through the installation). */
export const ZVariantStats = z.object({
  version: z.string().nullable(),
  calls: z.number().int(),
  errors: z.number().int(),
  /** errors / calls; 0 without calls. */
  errorRate: z.number(),
  /** Latency percentiles estimated from the rollups' histograms; null without calls. */
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
});
export type VariantStats = z.infer<typeof ZVariantStats>;

/** An installation's canary and, for those who manage it, stable vs canary since it started. */
export const ZCanaryReport = z.object({
  installation: ZInstallation,
  canary: z.object({ version: z.string(), percent: z.number().int(), startedAt: ZTimestamp }).nullable(),
  /**
   * Side by side since the canary started (rollups are per minute: calls of the minute it started
   * count from its start); null without a canary, or for callers who do not manage the installation.
   */
  comparison: z.object({ since: ZTimestamp, stable: ZVariantStats, canary: ZVariantStats }).nullable(),
});
export type CanaryReport = z.infer<typeof ZCanaryReport>;
