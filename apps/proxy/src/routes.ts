/** Where an MCP request is addressed: `/mcp/{tenant}/{gateway}` or `{tenant}.{base}/mcp/{gateway}`. */
export interface GatewayRoute {
  tenantSlug: string;
  gatewaySlug: string;
  /** The public URL of this gateway: the OAuth resource and the session's address. */
  resourceUrl: string;
  /** RFC 9728 metadata URL for this gateway. */
  metadataUrl: string;
}

export interface RouteConfig {
  publicMcpUrl: string;
  baseHost?: string;
}

const SLUG = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const PATH_ROUTE = new RegExp(`^/mcp/(${SLUG})/(${SLUG})/?$`);
const HOST_PATH_ROUTE = new RegExp(`^/mcp/(${SLUG})/?$`);
const METADATA_PREFIX = '/.well-known/oauth-protected-resource';

export type ParsedPath =
  { kind: 'mcp'; route: GatewayRoute } | { kind: 'metadata'; route: GatewayRoute } | { kind: 'other' };

export function parseRoute(path: string, host: string | undefined, config: RouteConfig): ParsedPath {
  const isMetadata = path.startsWith(`${METADATA_PREFIX}/`);
  const target = isMetadata ? path.slice(METADATA_PREFIX.length) : path;
  const base = new URL(config.publicMcpUrl);

  const hostTenant =
    config.baseHost && host ? tenantFromHost(host.toLowerCase(), config.baseHost.toLowerCase()) : undefined;
  if (hostTenant) {
    const m = HOST_PATH_ROUTE.exec(target);
    if (m) {
      const origin = `${base.protocol}//${hostTenant}.${config.baseHost}`;
      return {
        kind: isMetadata ? 'metadata' : 'mcp',
        route: makeRoute(origin, hostTenant, m[1]!, `/mcp/${m[1]}`),
      };
    }
  }
  const m = PATH_ROUTE.exec(target);
  if (!m) return { kind: 'other' };
  const origin = base.origin + base.pathname.replace(/\/$/, '');
  return {
    kind: isMetadata ? 'metadata' : 'mcp',
    route: makeRoute(origin, m[1]!, m[2]!, `/mcp/${m[1]}/${m[2]}`),
  };
}

function makeRoute(origin: string, tenantSlug: string, gatewaySlug: string, path: string): GatewayRoute {
  const o = new URL(origin);
  return {
    tenantSlug,
    gatewaySlug,
    resourceUrl: `${origin}${path}`,
    metadataUrl: `${o.origin}${METADATA_PREFIX}${o.pathname.replace(/\/$/, '')}${path}`,
  };
}

function tenantFromHost(host: string, baseHost: string): string | undefined {
  const suffix = `.${baseHost}`;
  if (!host.endsWith(suffix)) return undefined;
  const label = host.slice(0, -suffix.length);
  return new RegExp(`^${SLUG}$`).test(label) ? label : undefined;
}
