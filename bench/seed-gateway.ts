import type { TestDatabase } from '@toolgate/db/testing';
import {
  seedApiToken,
  seedAssignments,
  seedGateway,
  seedInstallation,
  seedRegistryEntry,
  seedTenant,
  seedTools,
} from '@toolgate/db/testing';

export type UpstreamSpec = { url: string } | { command: string; args: string[] };

export interface SeededGateway {
  /** Path of the gateway's MCP endpoint on any proxy. */
  path: string;
  token: string;
  /** The echo tool's name as the gateway lists it. */
  tool: string;
}

const ENTRY_SLUG = 'everything';

/**
 * What the control plane would have stored: a tenant with a registry entry for the upstream, an
 * org installation with the tools discovery found, a gateway exposing `echo`, and an org API token.
 */
export async function seedEchoGateway(
  db: TestDatabase,
  upstream: UpstreamSpec,
  discoveredTools: { name: string; description?: string; inputSchema?: Record<string, unknown> }[],
): Promise<SeededGateway> {
  const tenant = await seedTenant(db.db);
  const entry = await seedRegistryEntry(
    db.db,
    tenant.id,
    'url' in upstream
      ? { slug: ENTRY_SLUG, transport: 'streamable_http', url: upstream.url }
      : { slug: ENTRY_SLUG, transport: 'stdio', url: null, command: upstream.command, args: upstream.args },
  );
  const installation = await seedInstallation(db.db, tenant.id, entry.id);
  await seedTools(db.db, tenant.id, installation.id, discoveredTools);
  const gateway = await seedGateway(db.db, tenant.id, { slug: 'bench' });
  await seedAssignments(db.db, tenant.id, gateway.id, [{ registryEntryId: entry.id, toolName: 'echo' }]);
  const { token } = await seedApiToken(db.db, tenant.id);
  return { path: `/mcp/${tenant.slug}/${gateway.slug}`, token, tool: `${ENTRY_SLUG}__echo` };
}
