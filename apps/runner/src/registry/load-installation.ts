import { openString, type KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installations, registryEntries } from '@toolgate/db/schema';
import { buildUpstreamTarget, credentialsAad } from '@toolgate/mcp/upstream-target';
import { and, eq, isNull, ne, or } from 'drizzle-orm';

/**
 * Which server of an installation: its `stable` version, or the `canary` running next to it
 * (`installations.canary_version`) for the share of callers the proxy sends there.
 */
export type ServerVariant = 'stable' | 'canary';

/** The npm package a packaged entry runs; the version is checked (exact) only when it is started. */
export interface PackageSource {
  name: string;
  /** stable: the installation's pinned version, else the entry's; canary: the canary version. */
  version: string | null;
  /** Which of its bins to run (null: its only one, or the one named like the package). */
  bin: string | null;
}

/** What the runner needs of one installation of a self-hosted (stdio) server. */
export interface StdioInstallation {
  tenantId: string;
  installationId: string;
  variant: ServerVariant;
  /** The registry entry's slug (logs, errors). */
  label: string;
  /**
   * The command to run. Undefined for a packaged entry without one: the package's bin runs (with
   * `node`). With both, the command runs with the package's `node_modules/.bin` first on PATH.
   */
  command: string | undefined;
  package: PackageSource | undefined;
  args: string[];
  /** The entry's env with the installation's fields and credentials placed: the server's whole env. */
  env: Record<string, string>;
  network: 'none' | 'egress';
  /** Decrypted credential values, redacted from the server's log. */
  secretValues: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Network access of an entry's servers: its `network` column (`none` unless an admin chose `egress`). */
function networkOf(entry: typeof registryEntries.$inferSelect): 'none' | 'egress' {
  return entry.network === 'egress' ? 'egress' : 'none';
}

/** A placeholder command for buildUpstreamTarget, which places args and env only for commands. */
const PACKAGE_BIN = 'package-bin';

/**
 * The installation `installationId` of tenant `tenantId` (NOT_FOUND for another tenant's, as for a
 * missing one), its registry entry (the catalog's or the tenant's own), and its credentials
 * opened: built into a command the same way the proxy builds stdio targets (buildUpstreamTarget).
 */
export async function loadStdioInstallation(options: {
  db: Database;
  ring: KeyRing;
  tenantId: string;
  installationId: string;
  variant?: ServerVariant;
}): Promise<StdioInstallation> {
  const { db, ring, tenantId, installationId } = options;
  const variant = options.variant ?? 'stable';
  const notFound = new AppError('NOT_FOUND', `no installation ${installationId} in this tenant`);
  if (!UUID.test(tenantId) || !UUID.test(installationId)) throw notFound;
  const [row] = await db
    .select({ installation: installations, entry: registryEntries })
    .from(installations)
    .innerJoin(registryEntries, eq(installations.registryEntryId, registryEntries.id))
    .where(and(eq(installations.id, installationId), eq(installations.tenantId, tenantId)))
    .limit(1);
  if (!row || (row.entry.tenantId !== null && row.entry.tenantId !== tenantId)) throw notFound;
  const { installation, entry } = row;
  if (entry.transport !== 'stdio' || (!entry.command && !entry.package))
    throw new AppError('CONFLICT', `installation ${installationId} is not a self-hosted (stdio) server`);
  if (!installation.enabled) throw new AppError('CONFLICT', `installation ${installationId} is disabled`);
  if (variant === 'canary' && !installation.canaryVersion)
    throw new AppError('CONFLICT', `installation ${installationId} has no canary`);
  if (variant === 'canary' && !entry.package)
    throw new AppError(
      'CONFLICT',
      `installation ${installationId} has a canary, but only packaged servers run canary versions`,
    );
  let secrets: Record<string, string> = {};
  if (installation.credentialsSealed) {
    try {
      secrets = JSON.parse(
        openString(ring, installation.credentialsSealed, credentialsAad(installation.id)),
      ) as Record<string, string>;
    } catch {
      throw new AppError(
        'INVALID',
        `the stored credentials of installation ${installationId} could not be opened`,
      );
    }
  }
  const target = buildUpstreamTarget(
    installation.id,
    { ...entry, transport: 'stdio', command: entry.command ?? PACKAGE_BIN },
    installation,
    secrets,
  );
  return {
    tenantId,
    installationId,
    variant,
    label: entry.slug,
    command: entry.command ?? undefined,
    package: entry.package
      ? {
          name: entry.package,
          version:
            variant === 'canary' ? installation.canaryVersion : (installation.pinnedVersion ?? entry.version),
          bin: entry.bin,
        }
      : undefined,
    args: target.args ?? [],
    env: target.env ?? {},
    network: networkOf(entry),
    secretValues: Object.values(secrets).filter((v) => typeof v === 'string'),
  };
}

/**
 * Records the package version the installation's stable server runs (`installations.package_version`),
 * for this tenant's installation only. A canary's version is not recorded here: it is
 * `canary_version` already.
 */
export async function recordPackageVersion(options: {
  db: Database;
  tenantId: string;
  installationId: string;
  version: string;
}): Promise<void> {
  const { db, tenantId, installationId, version } = options;
  await db
    .update(installations)
    .set({ packageVersion: version })
    .where(
      and(
        eq(installations.id, installationId),
        eq(installations.tenantId, tenantId),
        or(isNull(installations.packageVersion), ne(installations.packageVersion, version)),
      ),
    );
}
