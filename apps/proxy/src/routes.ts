import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { ProxyEnv } from './env.ts';
import type { ProxyErrorName } from './errors.ts';

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
const SLUG_ONLY = new RegExp(`^${SLUG}$`);

export type ParsedPath =
  { kind: 'mcp' | 'legacy-sse' | 'legacy-message' | 'metadata'; route: GatewayRoute } | { kind: 'other' };

const LEGACY_KIND = { sse: 'legacy-sse', messages: 'legacy-message' } as const;

/** Which endpoint a matched path names; legacy endpoints have no metadata documents of their own. */
function kindOf(isMetadata: boolean, legacy: string | undefined): ParsedPath['kind'] {
  if (!legacy) return isMetadata ? 'metadata' : 'mcp';
  return isMetadata ? 'other' : LEGACY_KIND[legacy as keyof typeof LEGACY_KIND];
}

/**
 * A pure function of a string, remembered: every request parses the same few URLs and Host
 * headers again, and URL parsing was a visible share of the proxy's CPU per call. Bounded (a
 * client picks its Host header): the whole memo is dropped when it fills.
 */
function memoized<T>(compute: (key: string) => T, maxEntries = 256): (key: string) => T {
  const memo = new Map<string, T>();
  return (key) => {
    if (memo.has(key)) return memo.get(key)!;
    const value = compute(key);
    if (memo.size >= maxEntries) memo.clear();
    memo.set(key, value);
    return value;
  };
}

/** The parts of a URL routes are made of (throws on an invalid URL, as `new URL` does). */
const urlParts = memoized((url: string) => {
  const { protocol, origin, pathname } = new URL(url);
  return { protocol, origin, pathname };
});

export function parseRoute(path: string, host: string | undefined, config: RouteConfig): ParsedPath {
  const isMetadata = path.startsWith(`${METADATA_PREFIX}/`);
  const target = isMetadata ? path.slice(METADATA_PREFIX.length) : path;
  const base = urlParts(config.publicMcpUrl);

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
  const o = urlParts(origin);
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
  return SLUG_ONLY.test(label) ? label : undefined;
}

/** Host names the proxy serves: IP literals, localhost, the public host, the base host's tenants. */
export function hostAllowList(env: Pick<ProxyEnv, 'PUBLIC_MCP_URL' | 'MCP_BASE_HOST' | 'MCP_ALLOWED_HOSTS'>) {
  const exact = new Set([
    'localhost',
    new URL(env.PUBLIC_MCP_URL).hostname.toLowerCase(),
    ...env.MCP_ALLOWED_HOSTS,
  ]);
  const base = env.MCP_BASE_HOST?.split(':')[0]?.toLowerCase();
  return (hostname: string): boolean => {
    const h = hostname.toLowerCase();
    return exact.has(h) || isIP(h) !== 0 || (base !== undefined && (h === base || h.endsWith(`.${base}`)));
  };
}

/** The host name of a Host header, without port or IPv6 brackets. */
export function hostnameOf(host: string | undefined): string | undefined {
  return host ? hostnameOfHost(host) : undefined;
}

const hostnameOfHost = memoized((host: string): string => {
  try {
    return new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return host;
  }
});

/**
 * Browsers' cross-origin requests: allowed from the page's own host (already vetted as a host we
 * serve), the gateway's public origin, or configured origins ('*' allows any).
 */
export function isOriginAllowed(
  origin: string,
  {
    resourceUrl,
    host,
    allowedOrigins,
  }: { resourceUrl: string; host: string | undefined; allowedOrigins: readonly string[] },
): boolean {
  if (allowedOrigins.includes('*') || allowedOrigins.includes(origin)) return true;
  try {
    const parsed = new URL(origin);
    return parsed.host === host || parsed.origin === new URL(resourceUrl).origin;
  } catch {
    return false;
  }
}

export interface RequestGuardPolicy {
  /** Host names this proxy answers to (public host, base host and its subdomains, extras). */
  isAllowedHost: (hostname: string) => boolean;
  /** Origins allowed besides the gateway's own and the request's host; '*' allows any. */
  allowedOrigins: readonly string[];
}

/**
 * The listener's checks on every MCP request, whichever transport serves it: DNS rebinding (a
 * name we do not serve that resolves to us is refused; IP literals and localhost are what direct
 * and local clients use, and carry no rebinding risk) and browsers' cross-origin requests.
 */
export function requestGuard(policy: RequestGuardPolicy) {
  return (
    headers: IncomingHttpHeaders,
    route: GatewayRoute,
  ): { error: ProxyErrorName; values: Record<string, string> } | undefined => {
    const hostname = hostnameOf(headers.host);
    if (hostname && !policy.isAllowedHost(hostname))
      return { error: 'HOST_FORBIDDEN', values: { host: hostname } };
    const { origin } = headers;
    if (
      origin &&
      !isOriginAllowed(origin, {
        resourceUrl: route.resourceUrl,
        host: headers.host,
        allowedOrigins: policy.allowedOrigins,
      })
    )
      return { error: 'ORIGIN_FORBIDDEN', values: { origin } };
    return undefined;
  };
}
