import { randomBytes } from 'node:crypto';

/**
 * What the authorization server (apps/web), the proxy and the admin services agree on about
 * Toolgate's own OAuth tokens. One issuer (PUBLIC_WEB_URL) serves every tenant; each access token
 * names its tenant and is addressed to exactly one gateway URL (RFC 8707).
 */

/** Call tools (implies everything `mcp:read` allows). */
export const SCOPE_TOOLS = 'mcp:tools';
/** List tools, prompts and resources; read resources; get prompts. No tools/call. */
export const SCOPE_READ = 'mcp:read';
export const SUPPORTED_SCOPES = [SCOPE_TOOLS, SCOPE_READ] as const;
export type SupportedScope = (typeof SUPPORTED_SCOPES)[number];
/** Granted when a client asks for no scope. */
export const DEFAULT_SCOPES: readonly SupportedScope[] = [SCOPE_TOOLS, SCOPE_READ];

/**
 * OpenID Connect `prompt` values honoured (OIDC Core §3.1.2.1). `login` cannot re-authenticate:
 * the web session is next-auth's, and asking again would mean signing the user out. It shows the
 * consent page instead, which names the signed-in account, like `consent`.
 */
export const SUPPORTED_PROMPTS = ['none', 'login', 'consent'] as const;
export type Prompt = (typeof SUPPORTED_PROMPTS)[number];

/** RFC 9068 JWT access tokens. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
export const ACCESS_TOKEN_ALG = 'ES256';
/** Identity Assertion JWT Authorization Grant (draft-ietf-oauth-identity-assertion-authz-grant). */
export const ID_JAG_TYP = 'oauth-id-jag+jwt';
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const ID_JAG_GRANT_PROFILE = 'urn:ietf:params:oauth:grant-profile:id-jag';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
export const AUTHORIZATION_CODE_TTL_SECONDS = 60;
/**
 * A refresh token presented again within this long of its first use is a client racing itself
 * (two requests hit 401 at once and both refresh), not a thief: it gets a sibling successor.
 * Later, reuse revokes the whole family.
 */
export const REFRESH_REUSE_GRACE_SECONDS = 10;
/** Leeway for `exp`/`nbf`/`iat` of tokens we did not mint (IdP JWTs, ID-JAGs). */
export const CLOCK_SKEW_SECONDS = 60;

/** How our own access tokens are verified wherever they are (proxy, revocation): one set of rules. */
export const ACCESS_TOKEN_VERIFY_OPTIONS: { algorithms: string[]; typ: string; clockTolerance: number } = {
  algorithms: [ACCESS_TOKEN_ALG],
  typ: ACCESS_TOKEN_TYP,
  clockTolerance: CLOCK_SKEW_SECONDS,
};

/**
 * Signatures accepted on identity providers' JWTs (gateway bearer tokens and ID-JAG assertions):
 * asymmetric only, never `none`, never HMAC (a shared secret is not a public key).
 */
export const EXTERNAL_JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** Claims of an access token minted by Toolgate's authorization server. */
export interface AccessTokenClaims {
  iss: string;
  /** The user's id. */
  sub: string;
  /** The gateway URL the token was requested for: exactly the proxy's resource URL. */
  aud: string;
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  /** Space-separated. */
  scope: string;
  /** Tenant id. */
  tid: string;
  /** Gateway id. */
  gid: string;
  /** The consent grant the token was issued under; absent for ID-JAG tokens. */
  grant?: string;
}

/**
 * Revocation-set ids (bus.revocations) that proxies check before admitting a token: a revoked grant
 * refuses every access token issued under it, a revoked `jti` that one token. Entries live as long
 * as an access token can (ACCESS_TOKEN_TTL_SECONDS).
 */
export const grantRevocationId = (grantId: string): string => `oauth-grant:${grantId}`;
export const accessTokenRevocationId = (jti: string): string => `oauth-jti:${jti}`;
/** Every access token a signing key signed (an operator dropping a key they no longer trust). */
export const signingKeyRevocationId = (kid: string): string => `oauth-kid:${kid}`;

/** Refresh tokens, authorization codes and client secrets are stored as SHA-256 hex only. */
export { sha256Hex } from '@toolgate/core/crypto';

/** 32 random bytes, base64url, with a readable prefix (`tgr_` refresh, `tgc_` code, `tgs_` secret). */
export const opaqueToken = (prefix: 'tgr_' | 'tgc_' | 'tgs_'): string =>
  `${prefix}${randomBytes(32).toString('base64url')}`;

export const parseScope = (scope: string | undefined | null): string[] =>
  [...new Set((scope ?? '').split(' ').filter(Boolean))].sort();

/** Methods that act (run a tool, steer or stop a running one): they need `mcp:tools`. */
const ACTING_METHODS = new Set(['tools/call', 'tasks/cancel', 'tasks/update']);

/** The scopes a principal may use for a method: acting needs `mcp:tools`, the rest `mcp:read` or it. */
export function scopeAllows(scopes: readonly string[], method: string): boolean {
  if (scopes.includes(SCOPE_TOOLS)) return true;
  return !ACTING_METHODS.has(method) && scopes.includes(SCOPE_READ);
}

/** The issuer identifier: PUBLIC_WEB_URL without a trailing slash (metadata, `iss`, ID-JAG `aud`). */
export const issuerFrom = (publicWebUrl: string): string => publicWebUrl.replace(/\/+$/, '');
