/**
 * Where an MCP request is addressed: `/mcp/{tenant}/{gateway}` or `{tenant}.{base}/mcp/{gateway}`,
 * plus `/sse` and `/messages` under either for the legacy HTTP+SSE transport (2024-11-05).
 */
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
const LEGACY = '(?:/(sse|messages))?';
const PATH_ROUTE = new RegExp(`^/mcp/(${SLUG})/(${SLUG})${LEGACY}/?$`);
const HOST_PATH_ROUTE = new RegExp(`^/mcp/(${SLUG})${LEGACY}/?$`);
const METADATA_PREFIX = '/.well-known/oauth-protected-resource';

export type ParsedPath =
  { kind: 'mcp' | 'legacy-sse' | 'legacy-message' | 'metadata'; route: GatewayRoute } | { kind: 'other' };

const LEGACY_KIND = { sse: 'legacy-sse', messages: 'legacy-message' } as const;

/** Which endpoint a matched path names; legacy endpoints have no metadata documents of their own. */
function kindOf(isMetadata: boolean, legacy: string | undefined): ParsedPath['kind'] {
  if (!legacy) return isMetadata ? 'metadata' : 'mcp';
  return isMetadata ? 'other' : LEGACY_KIND[legacy as keyof typeof LEGACY_KIND];
}

export function parseRoute(path: string, host: string | undefined, config: RouteConfig): ParsedPath {
  const isMetadata = path.startsWith(`${METADATA_PREFIX}/`);
  const target = isMetadata ? path.slice(METADATA_PREFIX.length) : path;
  const base = new URL(config.publicMcpUrl);

  const hostTenant =
    config.baseHost && host ? tenantFromHost(host.toLowerCase(), config.baseHost.toLowerCase()) : undefined;
  if (hostTenant) {
    const m = HOST_PATH_ROUTE.exec(target);
    const kind = m ? kindOf(isMetadata, m[2]) : 'other';
    if (m && kind !== 'other') {
      const origin = `${base.protocol}//${hostTenant}.${config.baseHost}`;
      return { kind, route: makeRoute(origin, hostTenant, m[1]!, `/mcp/${m[1]}`) };
    }
  }
  const m = PATH_ROUTE.exec(target);
  if (!m) return { kind: 'other' };
  const kind = kindOf(isMetadata, m[3]);
  if (kind === 'other') return { kind };
  const origin = base.origin + base.pathname.replace(/\/$/, '');
  return { kind, route: makeRoute(origin, m[1]!, m[2]!, `/mcp/${m[1]}/${m[2]}`) };
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
