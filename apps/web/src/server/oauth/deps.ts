import type { PlansConfig } from '@toolgate/core/plans';
import { issuerFrom } from '@toolgate/auth/constants';
import type { AuthServerDeps } from '@toolgate/auth/deps';
import { webEnv, webPlans, type WebEnv } from '../../env.ts';
import { webContext } from '../context.ts';
import { oauthJsonError } from './http.ts';

/** Thrown when the process has no key ring: signing keys and consent tickets need one. */
export class OAuthNotConfiguredError extends Error {
  constructor() {
    super('The authorization server is not configured: set TOOLGATE_SECRET_KEYS');
    this.name = 'OAuthNotConfiguredError';
  }
}

type Handles = Pick<ReturnType<typeof webContext>, 'db' | 'bus' | 'log' | 'secretKeys'>;
type Settings = Pick<
  WebEnv,
  | 'PUBLIC_WEB_URL'
  | 'PUBLIC_MCP_URL'
  | 'MCP_BASE_HOST'
  | 'TOOLGATE_ALLOW_PRIVATE_UPSTREAMS'
  | 'TRUST_PROXY'
  | 'OAUTH_REGISTER_PER_HOUR'
  | 'OAUTH_TOKEN_FAILURES_PER_10_MIN'
>;

/** What the HTTP adapters need besides the library's dependencies. */
export interface OAuthEndpointDeps extends AuthServerDeps {
  /** Reverse proxies whose X-Forwarded-For entries are believed (TRUST_PROXY); 0 when unset. */
  trustedProxyHops?: number;
}

/** The authorization server's dependencies from a process's handles and settings. */
export function buildOAuthDeps(
  { db, bus, log, secretKeys }: Handles,
  env: Settings,
  /** The deployment's plans (ID-JAG grants add no member over the members limit). */
  plans?: PlansConfig,
): OAuthEndpointDeps {
  if (!secretKeys) {
    log.error('oauth: TOOLGATE_SECRET_KEYS is not set; the authorization server answers 503');
    throw new OAuthNotConfiguredError();
  }
  return {
    db: db.db,
    bus,
    keys: secretKeys,
    issuer: issuerFrom(env.PUBLIC_WEB_URL),
    publicMcpUrl: env.PUBLIC_MCP_URL,
    ...(env.MCP_BASE_HOST ? { mcpBaseHost: env.MCP_BASE_HOST } : {}),
    allowPrivate: env.TOOLGATE_ALLOW_PRIVATE_UPSTREAMS,
    log,
    limits: {
      registrationsPerHour: env.OAUTH_REGISTER_PER_HOUR,
      tokenFailuresPer10Min: env.OAUTH_TOKEN_FAILURES_PER_10_MIN,
    },
    trustedProxyHops: env.TRUST_PROXY,
    ...(plans ? { plans } : {}),
  };
}

/** This process's authorization-server dependencies. */
export const oauthDeps = (): OAuthEndpointDeps => buildOAuthDeps(webContext(), webEnv(), webPlans());

/**
 * Runs a handler with the process's deps; without a key ring answers 503 with an OAuth error
 * instead of failing every request with a 500.
 */
export async function withOAuthDeps(
  handler: (deps: OAuthEndpointDeps) => Promise<Response>,
  deps: () => OAuthEndpointDeps = oauthDeps,
): Promise<Response> {
  let built: OAuthEndpointDeps;
  try {
    built = deps();
  } catch (err) {
    if (!(err instanceof OAuthNotConfiguredError)) throw err;
    return oauthJsonError(503, 'temporarily_unavailable', 'authorization server not configured');
  }
  return handler(built);
}
