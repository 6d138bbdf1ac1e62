import type { apiTokens, installations, registryEntries, tools } from '@toolgate/db/schema';
import type { ApiToken } from '../schemas/tokens.ts';
import { toIso, toIsoOrNull } from '../schemas/common.ts';
import type { Installation, Tool } from '../schemas/installations.ts';
import type { RegistryEntry } from '../schemas/registry.ts';

/** Rows as services answer them: plain JSON, no secrets, no hashes. */
export function toRegistryEntry(row: typeof registryEntries.$inferSelect): RegistryEntry {
  return {
    id: row.id,
    builtIn: row.tenantId === null,
    slug: row.slug,
    name: row.name,
    description: row.description,
    transport: row.transport,
    url: row.url,
    command: row.command,
    args: row.args,
    env: row.env,
    authKind: row.authKind,
    authConfig: row.authConfig,
    installFields: row.installFields,
    toolLabels: row.toolLabels,
    docsUrl: row.docsUrl,
    iconUrl: row.iconUrl,
    version: row.version,
    package: row.package,
    bin: row.bin,
    network: row.network,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}

export function toInstallation(row: typeof installations.$inferSelect): Installation {
  return {
    id: row.id,
    registryEntryId: row.registryEntryId,
    name: row.name,
    scope: row.scope,
    teamId: row.teamId,
    userId: row.userId,
    config: row.config,
    hasCredentials: row.credentialsSealed !== null,
    status: row.status,
    lastError: row.lastError,
    enabled: row.enabled,
    discoveredAt: toIsoOrNull(row.discoveredAt),
    checkedAt: toIsoOrNull(row.checkedAt),
    serverInfo:
      row.serverVersion !== null && row.serverVersionSeenAt !== null
        ? { name: row.serverName, version: row.serverVersion, seenAt: toIso(row.serverVersionSeenAt) }
        : null,
    serverVersionChange:
      row.previousServerVersion !== null && row.serverVersion !== null && row.serverVersionChangedAt !== null
        ? { from: row.previousServerVersion, to: row.serverVersion, at: toIso(row.serverVersionChangedAt) }
        : null,
    pinnedVersion: row.pinnedVersion,
    packageVersion: row.packageVersion,
    canary:
      row.canaryVersion !== null && row.canaryPercent !== null
        ? {
            version: row.canaryVersion,
            percent: row.canaryPercent,
            startedAt: toIso(row.canaryStartedAt ?? row.updatedAt),
          }
        : null,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}

export function toTool(row: typeof tools.$inferSelect): Tool {
  return {
    id: row.id,
    installationId: row.installationId,
    name: row.name,
    title: row.title,
    description: row.description,
    inputSchema: row.inputSchema,
    outputSchema: row.outputSchema ?? null,
    annotations: row.annotations ?? null,
    schemaHash: row.schemaHash,
    approvedHash: row.approvedHash,
    review:
      row.pendingSince === null
        ? null
        : {
            kind: row.approvedDefinition ? 'changed' : 'new',
            status: row.rejectedHash === row.schemaHash ? 'rejected' : 'pending',
          },
    enabled: row.enabled,
    labels: row.labels,
    callsPerMinute: row.callsPerMinute,
    createdAt: toIso(row.createdAt),
    updatedAt: toIso(row.updatedAt),
  };
}

export function toApiToken(row: typeof apiTokens.$inferSelect): ApiToken {
  return {
    id: row.id,
    name: row.name,
    displayPrefix: row.displayPrefix,
    scope: row.scope,
    userId: row.userId,
    teamId: row.teamId,
    capabilities: row.capabilities,
    gatewayIds: row.gatewayIds,
    createdBy: row.createdBy,
    createdAt: toIso(row.createdAt),
    expiresAt: toIsoOrNull(row.expiresAt),
    revokedAt: toIsoOrNull(row.revokedAt),
    lastUsedAt: toIsoOrNull(row.lastUsedAt),
  };
}
