import { openString, type KeyRing } from '@toolgate/core/crypto';
import { AppError } from '@toolgate/core/errors';
import type { Database } from '@toolgate/db/client';
import { installations, registryEntries } from '@toolgate/db/schema';
import { buildUpstreamTarget, credentialsAad } from '@toolgate/mcp/upstream-target';
import { and, eq } from 'drizzle-orm';

/** What the runner needs of one installation of a self-hosted (stdio) server. */
export interface StdioInstallation {
  tenantId: string;
  installationId: string;
  /** The registry entry's slug (logs, errors). */
  label: string;
  command: string;
  args: string[];
  /** The entry's env with the installation's fields and credentials placed: the server's whole env. */
  env: Record<string, string>;
  network: 'none' | 'egress';
  /** Decrypted credential values, redacted from the server's log. */
  secretValues: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Network access of an entry's servers. Registry entries have no such field yet, so every server
 * runs with `none`; when entries gain `network: none | egress`, it is read here and nowhere else.
 */
function networkOf(_entry: typeof registryEntries.$inferSelect): 'none' | 'egress' {
  return 'none';
}

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
}): Promise<StdioInstallation> {
  const { db, ring, tenantId, installationId } = options;
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
  if (entry.transport !== 'stdio' || !entry.command)
    throw new AppError('CONFLICT', `installation ${installationId} is not a self-hosted (stdio) server`);
  if (!installation.enabled) throw new AppError('CONFLICT', `installation ${installationId} is disabled`);
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
    { ...entry, transport: 'stdio' },
    installation,
    secrets,
  );
  return {
    tenantId,
    installationId,
    label: entry.slug,
    command: target.command ?? entry.command,
    args: target.args ?? [],
    env: target.env ?? {},
    network: networkOf(entry),
    secretValues: Object.values(secrets).filter((v) => typeof v === 'string'),
  };
}
