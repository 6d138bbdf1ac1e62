import type { PlansConfig } from '@toolgate/core/plans';
import type { Bus } from '@toolgate/bus';
import type { KeyRing } from '@toolgate/core/crypto';
import type { Logger } from '@toolgate/core/logger';
import type { Database } from '@toolgate/db/client';
import type { JWTVerifyGetKey } from 'jose';
import type { CimdCache } from './cimd.ts';
import type { OAuthLimits } from './rate-limits.ts';

/** What every authorization-server function takes. */
export interface AuthServerDeps {
  db: Database;
  bus: Bus;
  /** The secret key ring (opens the sealed signing keys). */
  keys: KeyRing;
  /** issuerFrom(PUBLIC_WEB_URL). */
  issuer: string;
  /** Where the proxy serves `/mcp/{tenant}/{gateway}`; gateway URLs (token audiences) start here. */
  publicMcpUrl: string;
  /** MCP_BASE_HOST: gateways are also served at `{scheme}//{tenant}.{base}/mcp/{gateway}`. */
  mcpBaseHost?: string;
  /** SSRF guard: whether CIMD and JWKS fetches may reach loopback/private addresses. */
  allowPrivate: boolean;
  now?: () => Date;
  log?: Logger;
  /** An extra CA (PEM) trusted for CIMD fetches only (tests with a self-signed server). */
  cimdCa?: string;
  /** Where fetched metadata documents are cached; default one per process. */
  cimdCache?: CimdCache;
  /** Key resolver for an identity provider's JWKS (ID-JAG); default a shared JwksCache. */
  idpKeys?: (jwksUri: string) => JWTVerifyGetKey;
  /** Abuse limits; unset fields take DEFAULT_OAUTH_LIMITS. */
  limits?: Partial<OAuthLimits>;
  /** The deployment's plans: an ID-JAG grant adds no just-in-time member over the members limit. */
  plans?: PlansConfig;
}

export const nowOf = (deps: Pick<AuthServerDeps, 'now'>): Date => deps.now?.() ?? new Date();
