import { gateways, gatewayTeams, tenants, type ClientAuthMethod } from '@toolgate/db/schema';
import { and, eq } from 'drizzle-orm';
import type { AuthServerDeps } from './deps.ts';
import { OAuthError } from './errors.ts';

export interface ResolvedResource {
  tenant: { id: string; slug: string; name: string; allowJitUsers: boolean };
  gateway: {
    id: string;
    slug: string;
    name: string;
    clientAuthMethods: ClientAuthMethod[];
    visibility: 'org' | 'teams';
    teamIds: string[];
  };
  /** The resource exactly as given: the audience of tokens issued for it. */
  resource: string;
}

/** The gateway URL for a tenant and gateway slug: what clients send as `resource` and tokens carry as `aud`. */
export const gatewayResourceUrl = (publicMcpUrl: string, tenantSlug: string, gatewaySlug: string): string =>
  `${publicMcpUrl.replace(/\/+$/, '')}/mcp/${tenantSlug}/${gatewaySlug}`;

const SLUG = /^[a-z0-9][a-z0-9-]*$/;

/**
 * The tenant and gateway slugs a resource names, when it is exactly a URL the proxy serves: the
 * path form `{PUBLIC_MCP_URL}/mcp/{tenant}/{gateway}` or, with MCP_BASE_HOST, the host form
 * `{scheme}//{tenant}.{base}/mcp/{gateway}` (scheme of PUBLIC_MCP_URL). No trailing slash, query,
 * fragment or case folding, so a token's audience compares equal to the proxy's URL as a string.
 */
function gatewaySlugs(
  deps: Pick<AuthServerDeps, 'publicMcpUrl' | 'mcpBaseHost'>,
  resource: string,
): [tenantSlug: string, gatewaySlug: string] {
  const prefix = `${deps.publicMcpUrl.replace(/\/+$/, '')}/mcp/`;
  if (resource.startsWith(prefix)) {
    const parts = resource.slice(prefix.length).split('/');
    if (parts.length === 2 && SLUG.test(parts[0]!) && SLUG.test(parts[1]!)) return [parts[0]!, parts[1]!];
    throw new OAuthError('invalid_target', `resource must be exactly ${prefix}{tenant}/{gateway}`);
  }
  if (deps.mcpBaseHost) {
    const scheme = new URL(deps.publicMcpUrl).protocol;
    const base = deps.mcpBaseHost;
    const match = new RegExp(
      `^${scheme}//([a-z0-9-]+)\\.${base.replace(/[.]/g, '\\.')}/mcp/([a-z0-9-]+)$`,
    ).exec(resource);
    if (match && SLUG.test(match[1]!) && SLUG.test(match[2]!)) return [match[1]!, match[2]!];
  }
  throw new OAuthError(
    'invalid_target',
    `resource must be a gateway URL under ${prefix}${deps.mcpBaseHost ? ` or {tenant}.${deps.mcpBaseHost}/mcp/` : ''}`,
  );
}

/** An RFC 8707 resource indicator → the gateway it names (see gatewaySlugs), if it accepts OAuth. */
export async function resolveResource(
  deps: Pick<AuthServerDeps, 'db' | 'publicMcpUrl' | 'mcpBaseHost'>,
  resource: string,
): Promise<ResolvedResource> {
  const [tenantSlug, gatewaySlug] = gatewaySlugs(deps, resource);
  const [row] = await deps.db
    .select({ tenant: tenants, gateway: gateways })
    .from(gateways)
    .innerJoin(tenants, eq(tenants.id, gateways.tenantId))
    .where(and(eq(tenants.slug, tenantSlug), eq(gateways.slug, gatewaySlug)));
  if (!row) throw new OAuthError('invalid_target', 'resource names no gateway');
  if (!row.gateway.clientAuthMethods.includes('oauth')) {
    throw new OAuthError('invalid_target', 'this gateway does not accept OAuth access tokens');
  }
  const teams = await deps.db
    .select({ teamId: gatewayTeams.teamId })
    .from(gatewayTeams)
    .where(and(eq(gatewayTeams.tenantId, row.tenant.id), eq(gatewayTeams.gatewayId, row.gateway.id)));
  return {
    tenant: {
      id: row.tenant.id,
      slug: row.tenant.slug,
      name: row.tenant.name,
      allowJitUsers: row.tenant.settings.allowJitUsers ?? false,
    },
    gateway: {
      id: row.gateway.id,
      slug: row.gateway.slug,
      name: row.gateway.name,
      clientAuthMethods: row.gateway.clientAuthMethods,
      visibility: row.gateway.visibility,
      teamIds: teams.map((t) => t.teamId),
    },
    resource,
  };
}
